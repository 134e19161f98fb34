package io.relay.workflow.mail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the email workflows share, under {@code relay.mail}. The SMTP server itself is Spring Boot's
 * {@code spring.mail.*}.
 *
 * @param templateDirectory a directory whose templates replace the built-in ones, file by file, laid out like them:
 * {@code <workflow>/<language>/subject.txt}, {@code body.html} and {@code body.txt}
 * @param optOut addresses ({@code jane@example.com}) and domains ({@code example.com}, subdomains included) that
 * never receive any email from Relay
 * @param sendingTimeout how long an email may stay "being sent" before Relay concludes that the attempt died between
 * handing it to the SMTP server and recording the answer: such an email is never sent again (it may have gone), and
 * its delivery fails for an operator to look at. Longer than an SMTP exchange can take.
 * @param maxConcurrentSends the most emails handed to the SMTP server at once, all email workflows together: the
 * delivery workers are shared by every workflow, and a slow SMTP server must not hold them all
 */
@ConfigurationProperties("relay.mail")
record MailProperties(@Nullable Path templateDirectory, @DefaultValue List<String> optOut,
		@DefaultValue("10m") Duration sendingTimeout, @DefaultValue("4") int maxConcurrentSends) {

	MailProperties {
		if (templateDirectory != null && !Files.isDirectory(templateDirectory)) {
			throw new IllegalArgumentException("relay.mail.template-directory must be an existing directory, but '"
					+ templateDirectory.toAbsolutePath() + "' is not");
		}
		optOut = OptOut.validate("relay.mail.opt-out", optOut);
		if (maxConcurrentSends < 1 || maxConcurrentSends > 64) {
			throw new IllegalArgumentException(
					"relay.mail.max-concurrent-sends must be between 1 and 64, but was " + maxConcurrentSends);
		}
		if (sendingTimeout.compareTo(Duration.ofMinutes(1)) < 0) {
			throw new IllegalArgumentException(
					"relay.mail.sending-timeout must be at least 1m, but was " + sendingTimeout);
		}
	}

}

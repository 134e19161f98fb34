package io.relay.workflow.log;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import io.relay.dispatch.Delivery;
import io.relay.dispatch.HandlerResult;
import io.relay.event.EventParser;
import io.relay.event.IAdvizeEvent;
import io.relay.event.PayloadFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The log workflow's one line per event, whatever the payload's ids hold. */
@ExtendWith(OutputCaptureExtension.class)
class LogHandlerTests {

	@Test
	void writesOneLineAnEventEvenWhenItsIdsHoldLineBreaksOrTerminalEscapes(CapturedOutput output) throws Exception {
		String forged = "\\n2026-11-29T03:00:00.000Z  INFO 1 --- [relay] FAKE : admin logged in\\u001b[31m";
		String body = """
				{"eventId": "e-1", "eventType": "v2.conversation.pushed", "platform": "ha", "projectId": 1549,
				 "conversationId": "c-1%1$s", "operatorId": 15253, "channel": "CHAT", "visitorId": "v-1%1$s",
				 "createdAt": "2019-04-12T07:58:35.171Z"}""".formatted(forged);
		IAdvizeEvent event = new EventParser().parse(body.getBytes(StandardCharsets.UTF_8), PayloadFormat.JSON, null,
				null);

		HandlerResult result = new LogHandler().handle(new Delivery<>(1L, "e-1:log", event, 1, Instant.now()));

		assertThat(result).isEqualTo(HandlerResult.success());
		assertThat(output.getOut().lines().filter((line) -> line.contains("v2.conversation.pushed e-1")))
			.singleElement()
			.satisfies((line) -> assertThat(line).contains("conversation=c-1?2026-11-29", " visitor=v-1?2026-11-29")
				.doesNotContain("\u001b"));
		assertThat(output.getOut().lines().filter((line) -> line.startsWith("2026-11-29T03:00:00.000Z"))).isEmpty();

		// Ids whole, not cut at some length: two that share a long start stay apart.
		String longId = "e-" + "x".repeat(100) + "-end";
		new LogHandler().handle(new Delivery<>(2L, longId + ":log", new EventParser().parse(("{\"eventId\": \""
				+ longId + "\", \"eventType\": \"user.created\", \"platform\": \"sd\", \"userId\": 1}")
			.getBytes(StandardCharsets.UTF_8), PayloadFormat.JSON, null, null), 1, Instant.now()));
		assertThat(output.getOut()).contains("user.created " + longId + " platform=");
	}

}

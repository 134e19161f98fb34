package io.relay.workflow.mail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.mail.Address;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import org.jspecify.annotations.Nullable;
import org.springframework.mail.MailAuthenticationException;
import org.springframework.mail.MailException;
import org.springframework.mail.MailParseException;
import org.springframework.mail.MailPreparationException;
import org.springframework.mail.MailSendException;

/**
 * What a failed {@code JavaMailSender.send} means for the message: certainly not sent (retry, or give up when the
 * server refused the address for good), or perhaps sent (the connection failed while the message was being handed
 * over, and SMTP cannot tell).
 */
record SmtpFailure(Kind kind, String description) {

	enum Kind {

		/** Nothing went out; the same message may succeed later (server down, a 4xx or 5xx reply, login refused). */
		NOT_SENT_RETRYABLE,

		/**
		 * Nothing went out, and never will: the server refused the recipient's address for good (5xx to RCPT, but a
		 * policy's: see refusesRelay).
		 */
		NOT_SENT_PERMANENT,

		/** It may have gone out: the exchange broke off while the message was being handed over. */
		UNKNOWN,

		/** It went out; only closing the connection afterwards failed. */
		SENT

	}

	static SmtpFailure of(MailException ex) {
		return switch (ex) {
			case MailAuthenticationException auth -> new SmtpFailure(Kind.NOT_SENT_RETRYABLE,
					"the SMTP server refused Relay's login: " + message(auth.getCause()));
			case MailParseException parse -> new SmtpFailure(Kind.NOT_SENT_PERMANENT,
					"the message could not be built: " + message(parse));
			case MailPreparationException preparation -> new SmtpFailure(Kind.NOT_SENT_PERMANENT,
					"the message could not be built: " + message(preparation));
			case MailSendException send -> ofSend(send);
			default -> new SmtpFailure(Kind.UNKNOWN, message(ex));
		};
	}

	private static SmtpFailure ofSend(MailSendException ex) {
		Exception[] failures = ex.getMessageExceptions();
		if (failures.length == 0) {
			// JavaMailSenderImpl: "Failed to close server connection after message sending": the message went.
			return new SmtpFailure(Kind.SENT, message(ex));
		}
		Exception failure = failures[0];
		if (ex.getCause() != null && ex.getCause() == failure) {
			// JavaMailSenderImpl: "Mail server connection failed" (the connection's failure stands for every message):
			// no message was sent. Another cause is a failure to close after the message's own failure.
			return new SmtpFailure(Kind.NOT_SENT_RETRYABLE, "could not connect to the SMTP server: " + message(failure));
		}
		if (failure instanceof SendFailedException refused) {
			Address[] invalid = refused.getInvalidAddresses();
			if (invalid != null && invalid.length > 0) {
				if (refusesRelay(refused)) {
					return new SmtpFailure(Kind.NOT_SENT_RETRYABLE, "the SMTP server refused to take the message from "
							+ "Relay (a relay, login or sender policy: check spring.mail.* and the from address): "
							+ replies(refused));
				}
				return new SmtpFailure(Kind.NOT_SENT_PERMANENT,
						"the SMTP server refused the recipient's address for good: " + replies(refused));
			}
			if (hasReplyCode(refused)) {
				return new SmtpFailure(Kind.NOT_SENT_RETRYABLE, "the SMTP server refused the message: " + replies(refused));
			}
			// No reply at all (JavaMail reports "[EOF]" when the server hung up): perhaps after taking the message.
			return new SmtpFailure(Kind.UNKNOWN, "the SMTP server hung up without answering: " + message(refused));
		}
		if (failure instanceof MessagingException messaging && !(hasIoCause(messaging))) {
			return new SmtpFailure(Kind.NOT_SENT_RETRYABLE, "the message was not sent: " + message(messaging));
		}
		return new SmtpFailure(Kind.UNKNOWN, "the connection to the SMTP server failed while the message was being "
				+ "sent: " + message(failure));
	}

	/** A reply's basic code and, when it has an enhanced status code (RFC 3463), that code's subject and detail. */
	private static final Pattern REPLY = Pattern
		.compile("([2-5][0-9]{2})(?:[ -][245]\\.([0-9]{1,3})\\.([0-9]{1,3}))?\\b.*", Pattern.DOTALL);

	/**
	 * Whether a refusal at RCPT is the server's policy towards Relay rather than the address: JavaMail files every
	 * 5xx reply to RCPT as an invalid address, and Postfix answers {@code 554 5.7.1 Relay access denied}, Exchange
	 * {@code 550 5.7.54 Unable to relay}, when Relay's login is missing or its address not allowed. Those are
	 * Relay's configuration to fix (every email would fail alike), so retried; a bad mailbox ({@code 5.1.x}) is
	 * the address's. Security or policy ({@code x.7.x}) and "authentication required" ({@code 530}) count as
	 * Relay's, and so does {@code 554} without an enhanced code (a bare "transaction failed"), and a refusal of
	 * Relay's sender address that Postfix reports at RCPT ({@code 553 5.1.8 <from>: Sender address rejected}).
	 * Some of these are the recipient's side's policy (a mailbox that takes mail from certain senders only): those
	 * are retried too, and end {@code DEAD} after the handler's attempts.
	 */
	private static boolean refusesRelay(MessagingException ex) {
		for (Matcher reply : replyCodes(ex)) {
			String basic = reply.group(1);
			String subject = reply.group(2);
			String detail = reply.group(3);
			boolean sender = ("1".equals(subject) && ("7".equals(detail) || "8".equals(detail)))
					|| reply.group().toLowerCase(Locale.ROOT).contains("sender address rejected");
			if ("7".equals(subject) || "530".equals(basic) || ("554".equals(basic) && subject == null) || sender) {
				return true;
			}
		}
		return false;
	}

	/** Whether the server answered with an SMTP reply ({@code 452 4.2.2 ...}) somewhere in the chain. */
	private static boolean hasReplyCode(MessagingException ex) {
		return !replyCodes(ex).isEmpty();
	}

	/** The SMTP replies in the chain of {@code ex} and its next exceptions (ten at most), matched by {@link #REPLY}. */
	private static List<Matcher> replyCodes(MessagingException ex) {
		List<Matcher> replies = new ArrayList<>();
		int depth = 0;
		for (Exception next = ex; next != null && depth < 10; depth++) {
			Matcher reply = (next.getMessage() != null) ? REPLY.matcher(next.getMessage().strip()) : null;
			if (reply != null && reply.matches()) {
				replies.add(reply);
			}
			next = (next instanceof MessagingException messaging) ? messaging.getNextException() : null;
		}
		return replies;
	}

	private static boolean hasIoCause(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = next(cause)) {
			if (cause instanceof IOException) {
				return true;
			}
		}
		return false;
	}

	private static @Nullable Throwable next(Throwable ex) {
		Throwable next = (ex instanceof MessagingException messaging) ? messaging.getNextException() : ex.getCause();
		return (next != ex) ? next : null;
	}

	/** The server's own replies ({@code 550 5.1.1 no such user}), which say more than JavaMail's summary. */
	private static String replies(MessagingException ex) {
		StringBuilder text = new StringBuilder(message(ex));
		int count = 0;
		for (Exception next = ex.getNextException(); next != null && count < 5; count++) {
			text.append("; ").append(message(next));
			next = (next instanceof MessagingException messaging) ? messaging.getNextException() : null;
		}
		return text.toString();
	}

	private static String message(@Nullable Throwable ex) {
		if (ex == null) {
			return "unknown error";
		}
		String message = ex.getMessage();
		String text = (message != null) ? message.strip().replaceAll("\\s+", " ") : ex.getClass().getSimpleName();
		return text.isEmpty() ? ex.getClass().getSimpleName().toLowerCase(Locale.ROOT) : text;
	}

}

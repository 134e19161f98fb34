package io.relay.support;

import java.io.IOException;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;

/**
 * The parts of a received email, read as a visitor's mail client would.
 */
public record MailContent(String subject, String from, String replyTo, String text, String html, String messageId) {

	public static MailContent of(MimeMessage message) {
		try {
			String[] parts = new String[2];
			collect(message, parts);
			return new MailContent(message.getSubject(), message.getFrom()[0].toString(),
					(message.getReplyTo() != null) ? message.getReplyTo()[0].toString() : null, parts[0], parts[1],
					message.getMessageID());
		}
		catch (MessagingException | IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void collect(Part part, String[] parts) throws MessagingException, IOException {
		if (part.isMimeType("text/plain")) {
			parts[0] = (String) part.getContent();
		}
		else if (part.isMimeType("text/html")) {
			parts[1] = (String) part.getContent();
		}
		else if (part.isMimeType("multipart/*")) {
			Multipart multipart = (Multipart) part.getContent();
			for (int i = 0; i < multipart.getCount(); i++) {
				BodyPart body = multipart.getBodyPart(i);
				collect(body, parts);
			}
		}
	}

}

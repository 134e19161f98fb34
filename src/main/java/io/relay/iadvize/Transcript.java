package io.relay.iadvize;

import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

/**
 * The messages of one conversation, oldest first.
 *
 * @param source the API that answered
 * @param conversationId the id the API knows the conversation by: a UUID (GraphQL) or an integer (REST)
 */
public record Transcript(Api source, String conversationId, List<Message> messages) {

	public Transcript {
		messages = List.copyOf(messages);
	}

	/** The transcript as plain text, one {@code AUTHOR: text} line per message. */
	public String asText() {
		return this.messages.stream().map((message) -> message.author() + ": " + message.text())
			.collect(Collectors.joining("\n"));
	}

	// Messages are personal data: a log line that prints a Transcript must not copy them.
	@Override
	public String toString() {
		return "Transcript[source=" + this.source + ", conversationId=" + this.conversationId + ", messages="
				+ this.messages.size() + "]";
	}

	/** Who wrote a message. */
	public enum Author {

		OPERATOR, VISITOR, SYSTEM, OTHER

	}

	/**
	 * One message.
	 *
	 * @param sentAt when it was sent, when iAdvize says so precisely (REST gives an instant only for operator and
	 * visitor text messages)
	 */
	public record Message(Author author, String text, @Nullable Instant sentAt) {

		@Override
		public String toString() {
			return "Message[author=" + this.author + ", sentAt=" + this.sentAt + ", text=<" + this.text.length()
					+ " chars>]";
		}

	}

}

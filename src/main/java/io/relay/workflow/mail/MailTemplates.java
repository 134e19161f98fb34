package io.relay.workflow.mail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.templateresolver.AbstractConfigurableTemplateResolver;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;
import org.thymeleaf.templateresolver.FileTemplateResolver;

/**
 * The email templates: Thymeleaf, HTML mode for {@code body.html} (values are escaped) and text mode for
 * {@code subject.txt} and {@code body.txt}. Each file is looked up in {@code relay.mail.template-directory} first,
 * then among the built-in ones ({@code classpath:mail-templates/}).
 */
final class MailTemplates {

	static final String BUILT_IN = "mail-templates/";

	static final List<String> FILES = List.of("subject.txt", "body.html", "body.txt");

	private final TemplateEngine engine = new TemplateEngine();

	private final @Nullable Path directory;

	MailTemplates(@Nullable Path directory) {
		this.directory = directory;
		int order = 1;
		if (directory != null) {
			FileTemplateResolver files = new FileTemplateResolver();
			configure(files, directory.toAbsolutePath() + "/", order++);
			this.engine.addTemplateResolver(files);
		}
		ClassLoaderTemplateResolver builtIn = new ClassLoaderTemplateResolver(MailTemplates.class.getClassLoader());
		configure(builtIn, BUILT_IN, order);
		this.engine.addTemplateResolver(builtIn);
	}

	private static void configure(AbstractConfigurableTemplateResolver resolver, String prefix, int order) {
		resolver.setPrefix(prefix);
		resolver.setOrder(order);
		resolver.setCharacterEncoding(StandardCharsets.UTF_8.name());
		resolver.setCheckExistence(true);
		resolver.setCacheable(true);
		resolver.setHtmlTemplateModePatterns(Set.of("*.html"));
		resolver.setTextTemplateModePatterns(Set.of("*.txt"));
	}

	/**
	 * Checks that every template of the workflow exists in every language, and renders each with an empty model so
	 * that a syntax error stops startup rather than the first delivery.
	 * @throws IllegalStateException naming the missing or broken files and {@code property}
	 */
	void check(String workflow, Set<String> languages, String property) {
		List<String> problems = new ArrayList<>();
		for (String language : languages) {
			for (String file : FILES) {
				String name = name(workflow, language, file);
				try {
					this.engine.process(name, new Context(Locale.forLanguageTag(language), Map.of()));
				}
				catch (RuntimeException ex) {
					problems.add(name + " (" + rootMessage(ex) + ")");
				}
			}
		}
		if (!problems.isEmpty()) {
			throw new IllegalStateException("Workflow '" + workflow + "' has no usable email template for " + problems
					+ ": check " + property + ((this.directory != null)
							? " and the files under relay.mail.template-directory (" + this.directory + ")" : ""));
		}
	}

	Rendered render(String workflow, String language, Map<String, Object> model) {
		Context context = new Context(Locale.forLanguageTag(language), model);
		String subject = this.engine.process(name(workflow, language, "subject.txt"), context);
		String html = this.engine.process(name(workflow, language, "body.html"), context);
		String text = this.engine.process(name(workflow, language, "body.txt"), context);
		return new Rendered(oneLine(subject), text, html);
	}

	private static String name(String workflow, String language, String file) {
		return workflow + "/" + language + "/" + file;
	}

	/** A subject is one header line: no line breaks may reach it, whatever a template or a value holds. */
	static String oneLine(String text) {
		return text.replaceAll("\\s+", " ").strip();
	}

	private static String rootMessage(Throwable ex) {
		Throwable cause = ex;
		while (cause.getCause() != null && cause.getCause() != cause) {
			cause = cause.getCause();
		}
		return String.valueOf(cause.getMessage());
	}

	record Rendered(String subject, String text, String html) {
	}

}

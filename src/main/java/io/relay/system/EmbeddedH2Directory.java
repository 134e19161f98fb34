package io.relay.system;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Set;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;

/**
 * Creates the embedded H2 file's directory ({@code ./data} by default) readable by Relay's user only, before H2
 * creates it with the umask's permissions: {@code 0755} let every local user read every payload (visitors' names,
 * emails, chats) from an unencrypted file opened without a password. A directory that is already there is left as it
 * is, with a warning when other users may read it and it is the database's own (not {@code /tmp}, the home or the
 * working directory). A bean factory post-processor, so that it runs before the
 * connection pool opens the file.
 */
class EmbeddedH2Directory implements BeanFactoryPostProcessor, EnvironmentAware {

	private static final Logger logger = LoggerFactory.getLogger(EmbeddedH2Directory.class);

	private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

	private @Nullable String url;

	@Override
	public void setEnvironment(Environment environment) {
		this.url = environment.getProperty("spring.datasource.url");
	}

	@Override
	public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
		Path directory = directoryOf(this.url);
		if (directory != null && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
			prepare(directory);
		}
	}

	/**
	 * The directory of an embedded H2 file database's URL ({@code jdbc:h2:file:./data/relay;...} or
	 * {@code jdbc:h2:./data/relay}); {@code null} for any other database, an in-memory or a server-mode H2.
	 */
	static @Nullable Path directoryOf(@Nullable String url) {
		if (url == null || !url.regionMatches(true, 0, "jdbc:h2:", 0, 8)) {
			return null;
		}
		String name = url.substring(8);
		int settings = name.indexOf(';');
		name = (settings >= 0) ? name.substring(0, settings) : name;
		String lower = name.toLowerCase(Locale.ROOT);
		if (lower.startsWith("file:")) {
			name = name.substring(5);
		}
		else if (lower.matches("^[a-z]{2,}:.*")) {
			// mem:, tcp:, ssl:, zip:, nio:... (a drive letter is one letter: C:/relay/db)
			return null;
		}
		if (name.startsWith("~")) {
			name = System.getProperty("user.home") + name.substring(1);
		}
		return Path.of(name).toAbsolutePath().normalize().getParent();
	}

	/**
	 * Whether the directory looks like one for the database alone, whose mode Relay may advise: not one shared with
	 * others ({@code /tmp}, anything others may write to), nor the home or working directory (a database named
	 * {@code ~/relay} or {@code ./relay}), nor another user's.
	 */
	private static boolean isRelaysOwn(Path directory) throws IOException {
		Path real = directory.toRealPath();
		if (Files.getPosixFilePermissions(real).contains(PosixFilePermission.OTHERS_WRITE)
				|| real.equals(Path.of("").toRealPath()) || real.equals(home())) {
			return false;
		}
		return Files.getOwner(real).getName().equals(System.getProperty("user.name"));
	}

	/** The user's home directory, if it exists (a system user's may be /nonexistent; a container's UID has "?"). */
	private static @Nullable Path home() {
		try {
			return Path.of(System.getProperty("user.home", "")).toRealPath();
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
	}

	static void prepare(Path directory) {
		try {
			if (Files.notExists(directory)) {
				Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
				// The umask may have taken bits away, never added them; set them all the same.
				Files.setPosixFilePermissions(directory, OWNER_ONLY);
			}
			else if (Files.isDirectory(directory) && isRelaysOwn(directory)) {
				Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(directory);
				if (permissions.contains(PosixFilePermission.OTHERS_READ)
						|| permissions.contains(PosixFilePermission.OTHERS_EXECUTE)
						|| permissions.contains(PosixFilePermission.GROUP_READ)
						|| permissions.contains(PosixFilePermission.GROUP_EXECUTE)) {
					logger.warn("The embedded database's directory {} is open to other users ({}): they can read "
							+ "every stored event. Run: chmod 700 {}", directory,
							PosixFilePermissions.toString(permissions), directory);
				}
			}
		}
		catch (IOException ex) {
			// H2 says what is wrong with the path when it opens the file; this is only a precaution.
			logger.warn("Could not prepare the embedded database's directory {}: {}", directory, ex.toString());
		}
		catch (UnsupportedOperationException ex) {
			logger.debug("No POSIX permissions for {}", directory, ex);
		}
	}

}

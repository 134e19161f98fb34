package io.relay.system;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded H2 file's directory is created for Relay's user only; one open to others is named. */
@ExtendWith(OutputCaptureExtension.class)
class EmbeddedH2DirectoryTests {

	@TempDir
	Path temp;

	@Test
	void findsTheDirectoryOfAnEmbeddedFileDatabaseOnly() {
		Path here = Path.of("").toAbsolutePath();
		assertThat(EmbeddedH2Directory.directoryOf("jdbc:h2:file:./data/relay;WRITE_DELAY=0;CACHE_SIZE=4096"))
			.isEqualTo(here.resolve("data"));
		assertThat(EmbeddedH2Directory.directoryOf("jdbc:h2:/var/lib/relay/db")).isEqualTo(Path.of("/var/lib/relay"));
		assertThat(EmbeddedH2Directory.directoryOf("JDBC:H2:FILE:/srv/relay/db")).isEqualTo(Path.of("/srv/relay"));
		assertThat(EmbeddedH2Directory.directoryOf("jdbc:h2:~/relay/db"))
			.isEqualTo(Path.of(System.getProperty("user.home"), "relay"));
		assertThat(EmbeddedH2Directory.directoryOf("jdbc:h2:mem:relay;DB_CLOSE_DELAY=-1")).isNull();
		assertThat(EmbeddedH2Directory.directoryOf("jdbc:h2:tcp://db.example.com/relay")).isNull();
		assertThat(EmbeddedH2Directory.directoryOf("jdbc:postgresql://127.0.0.1/relay")).isNull();
		assertThat(EmbeddedH2Directory.directoryOf(null)).isNull();
	}

	@Test
	void createsAMissingDirectoryForItsOwnerOnly(CapturedOutput output) throws Exception {
		Path data = this.temp.resolve("relay/data");

		EmbeddedH2Directory.prepare(data);

		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data))).isEqualTo("rwx------");
		assertThat(output.getOut()).doesNotContain("open to other users");
	}

	@Test
	void leavesAnExistingDirectoryAsItIsButWarnsWhenOthersMayReadIt(CapturedOutput output) throws Exception {
		Path open = Files.createDirectory(this.temp.resolve("open"));
		Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
		Path closed = Files.createDirectory(this.temp.resolve("closed"));
		Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rwx------"));

		EmbeddedH2Directory.prepare(open);
		EmbeddedH2Directory.prepare(closed);

		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open))).isEqualTo("rwxr-xr-x");
		assertThat(output.getOut()).contains("The embedded database's directory " + open
				+ " is open to other users (rwxr-xr-x)", "chmod 700 " + open)
			.doesNotContain("directory " + closed);
	}

	@Test
	void warnsAlsoWhenTheUsersHomeDoesNotExist(CapturedOutput output) throws Exception {
		// A system user's home may be /nonexistent, a container's arbitrary UID has "?".
		Path open = Files.createDirectory(this.temp.resolve("open"));
		Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
		String home = System.getProperty("user.home");
		System.setProperty("user.home", "/nonexistent");
		try {
			EmbeddedH2Directory.prepare(open);
		}
		finally {
			System.setProperty("user.home", home);
		}
		assertThat(output.getOut()).contains("is open to other users (rwxr-xr-x)").doesNotContain("Could not prepare");
	}

	@Test
	void saysNothingOfADirectorySharedWithOthers(CapturedOutput output) throws Exception {
		// A database named /tmp/relay: "chmod 700 /tmp" would break the machine.
		Path shared = Files.createDirectory(this.temp.resolve("shared"));
		Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));

		EmbeddedH2Directory.prepare(shared);
		EmbeddedH2Directory.prepare(Path.of("").toAbsolutePath());

		assertThat(output.getOut()).doesNotContain("open to other users");
	}

}

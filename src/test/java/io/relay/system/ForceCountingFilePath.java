package io.relay.system;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.h2.store.fs.FileBase;
import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;

/**
 * An H2 file system, {@code jdbc:h2:forcecounting:<path>}, that counts how often its files are forced to the disk,
 * and can hold a force until a test lets it go. Public, with a public constructor: H2 creates one per path by
 * reflection.
 */
public final class ForceCountingFilePath extends FilePathWrapper {

	static final AtomicInteger forces = new AtomicInteger();

	/** Forces wait for this latch while it is set; a test sets it, and counts it down to let them finish. */
	static volatile CountDownLatch held;

	/** Counted down when a force starts to wait on {@link #held}. */
	static volatile CountDownLatch holding = new CountDownLatch(1);

	static {
		FilePath.register(new ForceCountingFilePath());
	}

	public ForceCountingFilePath() {
	}

	static String url(Path file) {
		return "jdbc:h2:forcecounting:" + file.toAbsolutePath() + ";WRITE_DELAY=0";
	}

	@Override
	public String getScheme() {
		return "forcecounting";
	}

	@Override
	public FileChannel open(String mode) throws IOException {
		return new Counting(super.open(mode));
	}

	private static final class Counting extends FileBase {

		private final FileChannel channel;

		Counting(FileChannel channel) {
			this.channel = channel;
		}

		@Override
		public void force(boolean metaData) throws IOException {
			CountDownLatch latch = held;
			if (latch != null) {
				holding.countDown();
				try {
					latch.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IOException(ex);
				}
			}
			this.channel.force(metaData);
			forces.incrementAndGet();
		}

		@Override
		public int read(ByteBuffer dst) throws IOException {
			return this.channel.read(dst);
		}

		@Override
		public int read(ByteBuffer dst, long position) throws IOException {
			return this.channel.read(dst, position);
		}

		@Override
		public int write(ByteBuffer src) throws IOException {
			return this.channel.write(src);
		}

		@Override
		public int write(ByteBuffer src, long position) throws IOException {
			return this.channel.write(src, position);
		}

		@Override
		public long position() throws IOException {
			return this.channel.position();
		}

		@Override
		public FileChannel position(long newPosition) throws IOException {
			this.channel.position(newPosition);
			return this;
		}

		@Override
		public long size() throws IOException {
			return this.channel.size();
		}

		@Override
		public FileChannel truncate(long size) throws IOException {
			this.channel.truncate(size);
			return this;
		}

		@Override
		public FileLock tryLock(long position, long size, boolean shared) throws IOException {
			return this.channel.tryLock(position, size, shared);
		}

		@Override
		protected void implCloseChannel() throws IOException {
			this.channel.close();
		}

	}

}

package io.relay.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * A TCP proxy to a server that can go silent the way a host that vanished does (a cable pulled, a network partition):
 * while frozen, every byte either way is held back, connections stay open and nothing is refused, so that a client
 * reading an answer waits until its own timeout, if it has one. New connections are accepted and hang the same way.
 */
public final class FreezableProxy implements AutoCloseable {

	private final ServerSocket server;

	private final String targetHost;

	private final int targetPort;

	private final List<Socket> sockets = new CopyOnWriteArrayList<>();

	private volatile CountDownLatch thawed = new CountDownLatch(0);

	private boolean closed;

	private FreezableProxy(String targetHost, int targetPort) throws IOException {
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.targetHost = targetHost;
		this.targetPort = targetPort;
		Thread.ofVirtual().name("proxy-accept").start(this::accept);
	}

	/** A proxy on a free local port to {@code host:port}. */
	public static FreezableProxy to(String host, int port) {
		try {
			return new FreezableProxy(host, port);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	public int port() {
		return this.server.getLocalPort();
	}

	/** From now on nothing goes through, either way, until {@link #thaw}. */
	public synchronized void freeze() {
		if (!this.closed && this.thawed.getCount() == 0) {
			this.thawed = new CountDownLatch(1);
		}
	}

	public synchronized void thaw() {
		this.thawed.countDown();
	}

	private void accept() {
		while (!this.server.isClosed()) {
			Socket client;
			try {
				client = this.server.accept();
			}
			catch (IOException ex) {
				continue; // closed: the loop ends
			}
			this.sockets.add(client);
			try {
				Socket upstream = new Socket(this.targetHost, this.targetPort);
				this.sockets.add(upstream);
				if (this.server.isClosed()) {
					// Closed while this one was being accepted: close() may have missed it.
					closeQuietly(client);
					closeQuietly(upstream);
					continue;
				}
				Thread.ofVirtual().start(() -> pump(client, upstream));
				Thread.ofVirtual().start(() -> pump(upstream, client));
			}
			catch (IOException ex) {
				closeQuietly(client); // the target refused: the client sees its connection closed
			}
		}
	}

	private void pump(Socket from, Socket to) {
		byte[] buffer = new byte[8192];
		try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
			int read;
			while ((read = in.read(buffer)) >= 0) {
				this.thawed.await();
				out.write(buffer, 0, read);
				out.flush();
			}
		}
		catch (IOException | InterruptedException ex) {
			// one side closed: the other is closed by the try
		}
	}

	@Override
	public void close() throws IOException {
		synchronized (this) {
			this.closed = true;
			thaw();
		}
		this.server.close();
		for (Socket socket : this.sockets) {
			closeQuietly(socket);
		}
	}

	private static void closeQuietly(Socket socket) {
		try {
			socket.close();
		}
		catch (IOException ex) {
			// closing anyway
		}
	}

}

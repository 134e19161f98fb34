package io.relay.system;

import java.sql.SQLException;

import com.zaxxer.hikari.SQLExceptionOverride;
import org.h2.api.ErrorCode;

/**
 * Tells Hikari to drop a connection whose embedded H2 database has closed. H2 closes its store for good after a
 * failed write (a full disk, an I/O error); its pooled sessions keep pointing at the closed store and H2 still
 * calls them valid, so without this every transaction failed (503) until Hikari retired the connection at its
 * {@code max-lifetime}, 30 minutes later, long after the disk had room again. A new connection opens the database
 * afresh. Set by {@code spring.datasource.hikari.exception-override-class-name}; other errors are left to Hikari.
 */
public final class ClosedH2DatabaseEviction implements SQLExceptionOverride {

	@java.lang.Override
	public Override adjudicate(SQLException ex) {
		return switch (ex.getErrorCode()) {
			case ErrorCode.DATABASE_IS_CLOSED, ErrorCode.DATABASE_CALLED_AT_SHUTDOWN -> Override.MUST_EVICT;
			default -> Override.CONTINUE_EVICT;
		};
	}

}

package db.migration;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Drops the two foreign keys on the dispatch path, delivery to event and attempt to delivery (see
 * docs/decisions/0007-no-foreign-keys-on-the-dispatch-path.md): every event's deliveries are written in the event's
 * own transaction, and the retention purge deletes attempts, deliveries and events explicitly. A Java migration
 * because V2 declared the keys inline, so their names are each database's own (PostgreSQL
 * {@code dispatch_delivery_event_id_fkey}, H2 {@code CONSTRAINT_...}): they are looked up in the JDBC metadata.
 */
public class V41__Drop_dispatch_foreign_keys extends BaseJavaMigration {

	@Override
	public void migrate(Context context) throws SQLException {
		Connection connection = context.getConnection();
		drop(connection, "dispatch_delivery", "inbox_event");
		drop(connection, "dispatch_attempt", "dispatch_delivery");
	}

	private static void drop(Connection connection, String table, String referenced) throws SQLException {
		DatabaseMetaData metadata = connection.getMetaData();
		String stored = metadata.storesUpperCaseIdentifiers() ? table.toUpperCase(Locale.ROOT) : table;
		Set<String> keys = new LinkedHashSet<>();
		try (ResultSet imported = metadata.getImportedKeys(connection.getCatalog(), connection.getSchema(), stored)) {
			while (imported.next()) {
				if (referenced.equalsIgnoreCase(imported.getString("PKTABLE_NAME"))) {
					keys.add(imported.getString("FK_NAME"));
				}
			}
		}
		try (Statement statement = connection.createStatement()) {
			for (String key : keys) {
				statement.execute("alter table " + table + " drop constraint \"" + key + "\"");
			}
		}
	}

}

/**
 * The admin API under {@code /admin/api}: look at stored events and their deliveries, and replay them.
 */
@NullMarked
package io.relay.admin;

import org.jspecify.annotations.NullMarked;

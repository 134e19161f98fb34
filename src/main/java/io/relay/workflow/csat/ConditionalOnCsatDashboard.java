package io.relay.workflow.csat;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;

/**
 * On every bean of this workflow: {@code relay.workflows.csat-dashboard.enabled=false} removes them all (the
 * handler, the page and its API).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Documented
@ConditionalOnBooleanProperty(name = "relay.workflows.csat-dashboard.enabled", matchIfMissing = true)
@interface ConditionalOnCsatDashboard {

}

package io.relay.system;

import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.catalina.Container;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.util.function.SingletonSupplier;

/**
 * Puts {@link ProblemReportValve} in place of Tomcat's HTML error report on the host, including the one Spring Boot
 * adds (without server information or a report). Ordered last, after Boot's own customizer (order 0), so that its
 * context customizer runs after Boot's and finds Boot's valve there to be replaced.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
class ProblemReportValveInstaller implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

	private final Supplier<@Nullable Counter> webhookRefusals;

	ProblemReportValveInstaller(ObjectProvider<MeterRegistry> meters) {
		// Looked up at the first refusal, not now: the web server is made early in the context's refresh, and a
		// registry made that early would miss the customizers and filters applied to it later.
		this.webhookRefusals = SingletonSupplier.of(() -> {
			MeterRegistry registry = meters.getIfAvailable();
			return (registry != null) ? WebhookDeliveries.refused(registry, "rejected") : null;
		});
	}

	@Override
	public void customize(TomcatServletWebServerFactory factory) {
		factory.addContextCustomizers((context) -> {
			Container host = context.getParent();
			Pipeline pipeline = host.getPipeline();
			for (Valve valve : pipeline.getValves()) {
				if (valve instanceof ErrorReportValve && !(valve instanceof ProblemReportValve)) {
					pipeline.removeValve(valve);
				}
			}
			pipeline.addValve(new ProblemReportValve(this.webhookRefusals));
			// Otherwise the host adds Tomcat's own when it starts, finding no valve of that class.
			if (host instanceof StandardHost standardHost) {
				standardHost.setErrorReportValveClass(ProblemReportValve.class.getName());
			}
		});
	}

}

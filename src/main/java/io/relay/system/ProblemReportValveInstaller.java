package io.relay.system;

import org.apache.catalina.Container;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Puts {@link ProblemReportValve} in place of Tomcat's HTML error report on the host, including the one Spring Boot
 * adds (without server information or a report). Ordered last, after Boot's own customizer (order 0), so that its
 * context customizer runs after Boot's and finds Boot's valve there to be replaced.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
class ProblemReportValveInstaller implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {

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
			pipeline.addValve(new ProblemReportValve());
			// Otherwise the host adds Tomcat's own when it starts, finding no valve of that class.
			if (host instanceof StandardHost standardHost) {
				standardHost.setErrorReportValveClass(ProblemReportValve.class.getName());
			}
		});
	}

}

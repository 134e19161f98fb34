package io.relay.system;

import org.apache.catalina.Container;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Puts {@link ProblemReportValve} in place of Tomcat's HTML error report on the host, including the one Spring Boot
 * adds (without server information or a report). Ordered after Boot's own customizer (which has order 0), so that its
 * valve is there to be replaced.
 */
@Component
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

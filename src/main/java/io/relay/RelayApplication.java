package io.relay;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Relay receives iAdvize webhooks, stores them durably and turns them into reliable workflows.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class RelayApplication {

	public static void main(String[] args) {
		SpringApplication.run(RelayApplication.class, args);
	}

}

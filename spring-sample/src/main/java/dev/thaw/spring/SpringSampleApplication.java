package dev.thaw.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A plain Spring Boot web service: Tomcat, a HikariCP pool to PostgreSQL, nothing thaw-specific and no
 * org.crac in the jar. thaw's agent supplies org.crac, so Spring's own lifecycle stops Tomcat and
 * Spring Boot suspends the pool before the checkpoint, and restarts both after each restore.
 */
@SpringBootApplication
public class SpringSampleApplication {
    public static void main(String[] args) {
        SpringApplication.run(SpringSampleApplication.class, args);
    }
}

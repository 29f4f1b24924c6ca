package dev.thaw.webflux;

import java.time.Duration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/** /hello names the worker (thaw sets thaw.worker.id in each one); /sleep?ms=N answers after N ms without blocking a thread. */
@SpringBootApplication
@RestController
public class WebfluxSampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(WebfluxSampleApplication.class, args);
    }

    @GetMapping("/hello")
    public Mono<String> hello() {
        return Mono.just("worker=" + System.getProperty("thaw.worker.id", "leader") + "\n");
    }

    @GetMapping("/sleep")
    public Mono<String> sleep(@RequestParam(name = "ms", defaultValue = "0") long ms) {
        long bounded = Math.min(ms, 60_000);
        return Mono.delay(Duration.ofMillis(bounded)).map(x -> "slept " + bounded + " ms\n");
    }
}

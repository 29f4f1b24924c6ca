package dev.thaw.spring;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import com.zaxxer.hikari.HikariDataSource;

/** /health, /whoami, /db and /sleep?ms=N; every answer names the worker (thaw sets thaw.worker.id in each one). */
@RestController
public class ApiController {

    private final JdbcTemplate jdbc;
    private final HikariDataSource pool;
    private final long startedAtMillis = System.currentTimeMillis();

    public ApiController(JdbcTemplate jdbc, HikariDataSource pool) {
        this.jdbc = jdbc;
        this.pool = pool;
    }

    @GetMapping("/health")
    public Map<String, Object> health() {
        return answer();
    }

    @GetMapping("/whoami")
    public Map<String, Object> whoami() {
        Map<String, Object> answer = answer();
        answer.put("contextStartedAt", startedAtMillis);
        answer.put("orgCracLoader", orgCracLoader());
        return answer;
    }

    @GetMapping("/db")
    public Map<String, Object> db() {
        jdbc.execute("create table if not exists visits (worker text, at timestamptz default now())");
        jdbc.update("insert into visits (worker) values (?)", worker());
        Map<String, Object> answer = answer();
        answer.put("backendPid", jdbc.queryForObject("select pg_backend_pid()", Integer.class));
        answer.put("visits", jdbc.queryForObject("select count(*) from visits", Long.class));
        answer.put("poolConnections", pool.getHikariPoolMXBean().getTotalConnections());
        return answer;
    }

    /** Answers after {@code ms} milliseconds (at most a minute): a request still running when something happens to its worker. */
    @GetMapping("/sleep")
    public Map<String, Object> sleep(@RequestParam(name = "ms", defaultValue = "0") long ms) throws InterruptedException {
        long bounded = Math.min(ms, 60_000);
        Thread.sleep(bounded);
        Map<String, Object> answer = answer();
        answer.put("sleptMillis", bounded);
        return answer;
    }

    private static Map<String, Object> answer() {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("worker", worker());
        return answer;
    }

    private static String worker() {
        return System.getProperty("thaw.worker.id", "leader");
    }

    /** Where org.crac came from: thaw's agent jar, since this jar does not ship it. */
    private static String orgCracLoader() {
        try {
            Class<?> core = Class.forName("org.crac.Core");
            return String.valueOf(core.getProtectionDomain().getCodeSource().getLocation());
        } catch (ClassNotFoundException e) {
            return "absent";
        }
    }
}

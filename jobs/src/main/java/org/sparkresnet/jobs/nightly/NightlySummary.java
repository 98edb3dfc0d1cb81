package org.sparkresnet.jobs.nightly;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one-line JSON summary a night ends with, on stdout and as summary.json, for alerting: date, status, exit code,
 * accuracies, gate, model URIs, how the data was prepared, images, durations in seconds. Fields a night did not reach
 * are left out; accuracies that are not numbers are left out too (JSON has no NaN).
 */
final class NightlySummary {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Object> fields = new LinkedHashMap<>();
    private final Map<String, Double> seconds = new LinkedHashMap<>();
    private final long started = System.nanoTime();

    NightlySummary(LocalDate date) {
        fields.put("date", date == null ? null : date.toString());
        fields.put("status", "running");
        fields.put("exitCode", null);
    }

    void put(String name, Object value) {
        if (value instanceof Double d && !Double.isFinite(d)) {
            fields.remove(name);
            return;
        }
        fields.put(name, value);
    }

    Object get(String name) {
        return fields.get(name);
    }

    void duration(String stage, long startNanos) {
        seconds.put(stage, Math.round((System.nanoTime() - startNanos) / 1e7) / 100.0);
    }

    /** Sets the outcome and stops the total clock, so that summary.json and the printed line agree. */
    void finish(String status, int exitCode) {
        seconds.put("total", Math.round((System.nanoTime() - started) / 1e7) / 100.0);
        fields.put("status", status);
        fields.put("exitCode", exitCode);
    }

    void error(String message) {
        fields.put("error", message);
    }

    String toJson() {
        Map<String, Object> all = new LinkedHashMap<>(fields);
        Map<String, Double> durations = new LinkedHashMap<>(seconds);
        durations.putIfAbsent("total", Math.round((System.nanoTime() - started) / 1e7) / 100.0);
        all.put("seconds", durations);
        try {
            return JSON.writeValueAsString(all);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the summary as JSON", e);
        }
    }
}

package org.sparkresnet.jobs.preflight;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything preflight found: a table for people (one row per place and check, each failure followed by its fix) and
 * JSON for scripts. {@link #exitCode()} is 0 when nothing failed (warnings allowed) and {@link #CHECK_FAILED} otherwise.
 */
public final class PreflightReport {
    /** Exit code when at least one check failed. Bad usage exits with 2 (JobFailure.USER_ERROR), as every job does. */
    public static final int CHECK_FAILED = 3;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String master;
    private final String mode;
    private final List<Check> checks;

    public PreflightReport(String master, String mode, List<Check> checks) {
        this.master = master;
        this.mode = mode;
        this.checks = List.copyOf(checks);
    }

    public List<Check> checks() {
        return checks;
    }

    public List<Check> failures() {
        return checks.stream().filter(Check::failed).toList();
    }

    public int exitCode() {
        return failures().isEmpty() ? 0 : CHECK_FAILED;
    }

    /** The table: WHERE, CHECK, RESULT, DETAIL; a failure's or warning's fix on the line below it; then a summary line. */
    public String table() {
        int whereWidth = Math.max("WHERE".length(), checks.stream().mapToInt(c -> c.where().length()).max().orElse(0));
        int checkWidth = Math.max("CHECK".length(), checks.stream().mapToInt(c -> c.name().length()).max().orElse(0));
        String row = "%-" + whereWidth + "s  %-" + checkWidth + "s  %-6s  %s%n";
        String indent = " ".repeat(whereWidth + checkWidth + 12);
        StringBuilder out = new StringBuilder();
        out.append(String.format(row, "WHERE", "CHECK", "RESULT", "DETAIL"));
        for (Check check : checks) {
            out.append(String.format(row, check.where(), check.name(), check.status(), check.detail()));
            if (!check.advice().isEmpty()) {
                out.append(indent).append("fix: ").append(check.advice()).append(System.lineSeparator());
            }
        }
        out.append(summary()).append(System.lineSeparator());
        return out.toString();
    }

    public String summary() {
        long failed = checks.stream().filter(c -> c.status() == Check.Status.FAIL).count();
        long warned = checks.stream().filter(c -> c.status() == Check.Status.WARN).count();
        return String.format("preflight %s: %d checks, %d failed, %d warnings (master %s, mode %s)",
                failed == 0 ? "passed" : "FAILED", checks.size(), failed, warned, master, mode);
    }

    public String toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("passed", failures().isEmpty());
        json.put("exitCode", exitCode());
        json.put("master", master);
        json.put("mode", mode);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Check check : checks) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("where", check.where());
            row.put("check", check.name());
            row.put("status", check.status().name());
            row.put("detail", check.detail());
            if (!check.advice().isEmpty()) {
                row.put("advice", check.advice());
            }
            rows.add(row);
        }
        json.put("checks", rows);
        try {
            return JSON.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the preflight report as JSON", e);
        }
    }
}

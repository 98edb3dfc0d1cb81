package org.sparkresnet.jobs.metrics;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A run's description (run.json's and metrics.json's {@code run}: the train request, the data summary, versions) as
 * "setting | value" rows for the report. Records and maps are flattened into one row per field, named by their path
 * in words ("optimizer / learning rate"); the request's own fields come without a prefix. Read from the records'
 * components, so a field added to the request shows up without a change here.
 */
public final class RunSettings {
    /** The request's top-level fields, under their flag's name where the field name says less. */
    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("dataUri", "data"), Map.entry("outputUri", "output"), Map.entry("batchSize", "batch size"),
            Map.entry("augment", "augmentation"), Map.entry("trainExamples", "training images"),
            Map.entry("testExamples", "test images"), Map.entry("trainShards", "training shards"),
            Map.entry("inputShape", "input shape"), Map.entry("request", ""));

    public record Row(String setting, String value) {
    }

    private RunSettings() {
    }

    public static List<Row> rows(Map<String, ?> run) {
        List<Row> rows = new ArrayList<>();
        run.forEach((key, value) -> add(rows, words(key), value));
        return rows;
    }

    private static void add(List<Row> rows, String name, Object value) {
        if (value instanceof Record record) {
            for (RecordComponent c : record.getClass().getRecordComponents()) {
                add(rows, join(name, words(c.getName())), component(record, c));
            }
        } else if (value instanceof Map<?, ?> map && !map.isEmpty()) {
            map.forEach((k, v) -> add(rows, join(name, words(String.valueOf(k))), v));
        } else {
            rows.add(new Row(name.isEmpty() ? "value" : name, text(value)));
        }
    }

    private static Object component(Record record, RecordComponent c) {
        try {
            c.getAccessor().setAccessible(true);
            return c.getAccessor().invoke(record);
        } catch (IllegalAccessException | InvocationTargetException | RuntimeException e) {
            return "(cannot be read: " + e + ")";
        }
    }

    private static String text(Object value) {
        if (value == null) {
            return "\u2013";
        }
        if (value instanceof Enum<?> e) {
            return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
        if (value instanceof Collection<?> c) {
            return c.isEmpty() ? "none" : c.stream().map(RunSettings::text).collect(Collectors.joining(", "));
        }
        if (value instanceof Map<?, ?> m && m.isEmpty()) {
            return "none";
        }
        return String.valueOf(value);
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + " / " + name;
    }

    /** "learningRate" -> "learning rate"; acronyms stay together ("dataURI" -> "data uri"). */
    static String words(String key) {
        String known = NAMES.get(key);
        if (known != null) {
            return known;
        }
        return key.replaceAll("([a-z0-9])([A-Z])", "$1 $2").replaceAll("([A-Z]+)([A-Z][a-z])", "$1 $2").toLowerCase(Locale.ROOT);
    }
}

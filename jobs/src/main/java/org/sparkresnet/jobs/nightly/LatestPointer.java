package org.sparkresnet.jobs.nightly;

import org.sparkresnet.data.fs.SmallFiles;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * ROOT/latest.json: the model that passed the last quality gate. Replaced atomically ({@link SmallFiles#replace}), so
 * a reader sees the previous pointer or the new one; a run that fails the gate leaves it as it was.
 *
 * @param model    the model zip's URI (ROOT/runs/dt=DATE/attempt-N/model/model.zip)
 * @param accuracy its test accuracy on its own date's test split
 */
record LatestPointer(@JsonProperty("date") String date, @JsonProperty("attempt") int attempt, @JsonProperty("model") String model,
                     @JsonProperty("run") String run, @JsonProperty("accuracy") double accuracy, @JsonProperty("promoted") String promoted) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Optional<LatestPointer> read(SmallFiles files, Path file) throws IOException {
        Optional<String> content = files.read(file);
        if (content.isEmpty()) {
            return Optional.empty();
        }
        try {
            LatestPointer pointer = JSON.readValue(content.get(), LatestPointer.class);
            if (pointer.model() == null || pointer.date() == null) {
                throw new IOException("no model or date");
            }
            return Optional.of(pointer);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(file + " is not a latest-model pointer: " + e.getOriginalMessage(), e);
        }
    }

    void write(SmallFiles files, Path file) throws IOException {
        files.replace(file, JSON.writeValueAsString(this) + "\n");
    }

    /** Whether the pointer names something under {@code dir} (a date's or an attempt's folder). */
    boolean pointsInto(Path dir) {
        String prefix = dir.toString().endsWith("/") ? dir.toString() : dir + "/";
        return run != null && (run + "/").startsWith(prefix) || model.startsWith(prefix);
    }
}

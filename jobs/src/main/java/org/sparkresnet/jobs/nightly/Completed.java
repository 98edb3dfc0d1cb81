package org.sparkresnet.jobs.nightly;

import org.sparkresnet.data.fs.SmallFiles;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A date's completion marker (ROOT/runs/dt=DATE/_SUCCESS), written last: the attempt that completed the date and how it
 * ended ("promoted" or "gate-failed"). A date without it is not complete, whatever else its folder holds.
 */
record Completed(@JsonProperty("date") LocalDate date, @JsonProperty("attempt") int attempt, @JsonProperty("status") String status,
                 @JsonProperty("finished") String finished) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Optional<Completed> read(SmallFiles files, RunLayout layout, LocalDate date) throws IOException {
        Optional<String> content = files.read(layout.success(date));
        if (content.isEmpty()) {
            return Optional.empty();
        }
        Raw raw = JSON.readValue(content.get(), Raw.class);
        return Optional.of(new Completed(LocalDate.parse(raw.date()), raw.attempt(), raw.status(), raw.finished()));
    }

    /** The marker's JSON (dates as text, without needing Jackson's java.time module). */
    record Raw(@JsonProperty("date") String date, @JsonProperty("attempt") int attempt, @JsonProperty("status") String status,
               @JsonProperty("finished") String finished) {
    }

    void write(SmallFiles files, RunLayout layout) throws IOException {
        files.replace(layout.success(date), JSON.writeValueAsString(new Raw(date.toString(), attempt, status, finished)) + "\n");
    }

    /** The dates under ROOT/runs/, newest first. */
    static List<LocalDate> dates(SmallFiles files, RunLayout layout) throws IOException {
        List<LocalDate> dates = new ArrayList<>();
        for (FileStatus status : files.list(layout.runs())) {
            if (status.isDirectory()) {
                RunLayout.dateOf(status.getPath().getName()).ifPresent(dates::add);
            }
        }
        dates.sort(Comparator.reverseOrder());
        return dates;
    }

    /** Every completed date, newest first. */
    static List<Completed> all(SmallFiles files, RunLayout layout) throws IOException {
        List<Completed> completed = new ArrayList<>();
        for (LocalDate date : dates(files, layout)) {
            read(files, layout, date).ifPresent(completed::add);
        }
        return completed;
    }

    static Optional<Completed> newestBefore(SmallFiles files, RunLayout layout, LocalDate date) throws IOException {
        for (LocalDate d : dates(files, layout)) {
            if (d.isBefore(date)) {
                Optional<Completed> completed = read(files, layout, d);
                if (completed.isPresent()) {
                    return completed;
                }
            }
        }
        return Optional.empty();
    }
}

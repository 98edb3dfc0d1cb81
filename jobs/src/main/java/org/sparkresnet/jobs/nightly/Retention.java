package org.sparkresnet.jobs.nightly;

import org.sparkresnet.data.fs.SmallFiles;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Keeps the last {@code keep} completed dates (by date) and the one latest.json points to; deletes the other dates'
 * folders, incomplete dates older than the oldest date kept, the superseded attempts of the current date, and the
 * shard batches no remaining attempt's dataset names.
 *
 * <p>It runs under the current date's lock, and only when no other date's live lock exists: another date's run may be
 * building on an earlier date's data or writing a batch that nothing names yet. Then it waits for the next night.
 */
final class Retention {
    /** What was deleted (dates and batches), or why nothing was. */
    record Outcome(List<String> deletedDates, List<String> deletedBatches, String deferredBecause) {
    }

    private final SmallFiles files;
    private final RunLayout layout;
    private final Consumer<String> log;
    private final Predicate<Path> liveLock;

    /** @param liveLock whether a lock file belongs to a live run (a stale one does not hold retention back) */
    Retention(SmallFiles files, RunLayout layout, Predicate<Path> liveLock, Consumer<String> log) {
        this.files = files;
        this.layout = layout;
        this.liveLock = liveLock;
        this.log = log;
    }

    Outcome apply(int keep, LocalDate current, int currentAttempt, Optional<LatestPointer> latest) throws IOException {
        // the current date's older attempts go in any case: this run holds its lock
        for (FileStatus status : files.list(layout.dateDir(current))) {
            Optional<Integer> attempt = RunLayout.attemptOf(status.getPath().getName());
            if (attempt.isPresent() && attempt.get() != currentAttempt && latest.map(l -> !l.pointsInto(status.getPath())).orElse(true)) {
                files.delete(status.getPath(), true);
                log.accept("retention: deleted the superseded " + status.getPath());
            }
        }
        String otherLock = otherLock(current);
        if (otherLock != null) {
            log.accept("retention: deferred, " + otherLock + " is held (a run of another date)");
            return new Outcome(List.of(), List.of(), otherLock + " is held");
        }
        List<LocalDate> completed = new ArrayList<>();
        for (Completed c : Completed.all(files, layout)) {
            completed.add(c.date());
        }
        if (!completed.contains(current)) {
            completed.add(current);
        }
        completed.sort(java.util.Comparator.reverseOrder());
        Set<LocalDate> kept = new TreeSet<>(completed.subList(0, Math.min(keep, completed.size())));
        latest.map(l -> LocalDate.parse(l.date())).ifPresent(kept::add);
        LocalDate oldestKept = kept.stream().min(LocalDate::compareTo).orElse(current);
        List<String> deletedDates = new ArrayList<>();
        for (LocalDate date : Completed.dates(files, layout)) {
            boolean complete = completed.contains(date);
            boolean delete = complete ? !kept.contains(date) : date.isBefore(oldestKept);
            if (delete && !date.equals(current) && latest.map(l -> !l.pointsInto(layout.dateDir(date))).orElse(true)) {
                files.delete(layout.dateDir(date), true);
                deletedDates.add(date.toString());
                log.accept("retention: deleted dt=" + date + (complete ? "" : " (never completed)"));
            }
        }
        List<String> deletedBatches = collectBatches();
        return new Outcome(deletedDates, deletedBatches, null);
    }

    /** Deletes the batches under ROOT/shards/ that no remaining attempt's data names. */
    private List<String> collectBatches() throws IOException {
        Set<String> named = new HashSet<>();
        for (LocalDate date : Completed.dates(files, layout)) {
            for (FileStatus attempt : files.list(layout.dateDir(date))) {
                if (attempt.isDirectory() && RunLayout.attemptOf(attempt.getPath().getName()).isPresent()) {
                    NightlyData.readRecord(files, attempt.getPath()).ifPresent(r -> named.addAll(r.batches()));
                }
            }
        }
        List<String> deleted = new ArrayList<>();
        for (FileStatus batch : files.list(layout.shards())) {
            String name = batch.getPath().getName();
            if (batch.isDirectory() && !named.contains(name)) {
                files.delete(batch.getPath(), true);
                deleted.add(name);
                log.accept("retention: deleted the unused shard batch " + batch.getPath());
            }
        }
        return deleted;
    }

    /** A lock file of another date, or null. */
    private String otherLock(LocalDate current) throws IOException {
        Path own = layout.lock(current);
        for (FileStatus status : files.list(layout.lockDir())) {
            String name = status.getPath().getName();
            if (name.endsWith(".lock") && !name.equals(own.getName()) && liveLock.test(status.getPath())) {
                return status.getPath().toString();
            }
        }
        return null;
    }
}

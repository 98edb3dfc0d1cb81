package org.sparkresnet.jobs.store;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.sparkresnet.data.fs.HadoopFiles;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Where a training run writes. Normally its output folder itself. With {@code --overwrite} over a previous run, a
 * hidden folder beside it ({@code OUTPUT/_overwrite-<id>/}): the previous run's model, run.json, metrics, report and
 * checkpoints stay exactly as they were while the new run trains, and are replaced only when it has finished
 * ({@link #commit}): each entry the new run wrote is moved in, the old one of that name moved aside first and
 * deleted last; a commit that fails half-way puts the old entries back. A run killed before its commit leaves the
 * previous run whole and a hidden folder that the next --overwrite run removes. The output lock
 * ({@link org.sparkresnet.data.fs.OutputLock}) keeps two runs from doing this at once.
 */
public final class RunStaging {
    static final String PREFIX = "_overwrite-";
    private static final String REPLACED = "_replaced";

    private final Path output;
    private final Path workDir;
    private final FileSystem fs;

    private RunStaging(Path output, Path workDir, FileSystem fs) {
        this.output = output;
        this.workDir = workDir;
        this.fs = fs;
    }

    /** The run writes straight into {@code output}. */
    public static RunStaging direct(Path output, Configuration conf) {
        return new RunStaging(output, output, HadoopFiles.fileSystem(output, conf));
    }

    /** The run writes beside the previous one, which it replaces at {@link #commit}; old staging folders are removed first. */
    public static RunStaging beside(Path output, Configuration conf) {
        FileSystem fs = HadoopFiles.fileSystem(output, conf);
        try {
            for (FileStatus status : list(fs, output)) {
                if (status.getPath().getName().startsWith(PREFIX)) {
                    fs.delete(status.getPath(), true); // a killed --overwrite run's; the output lock says none is running
                }
            }
            Path work = new Path(output, PREFIX + UUID.randomUUID());
            if (!fs.mkdirs(work)) {
                throw new IOException("mkdirs returned false");
            }
            return new RunStaging(output, work, fs);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a staging folder in " + output + ": " + e.getMessage(), e);
        }
    }

    /** Where the run writes everything. */
    public Path workDir() {
        return workDir;
    }

    public boolean staged() {
        return !workDir.equals(output);
    }

    /** Where {@code pathInWorkDir} is once committed. */
    public Path finalPath(Path pathInWorkDir) {
        if (!staged()) {
            return pathInWorkDir;
        }
        String relative = pathInWorkDir.toUri().getPath().substring(workDir.toUri().getPath().length());
        return new Path(output.toString() + relative);
    }

    /** Moves the finished run into the output, replacing the previous run's entries of the same names. */
    public void commit() {
        if (!staged()) {
            return;
        }
        Path aside = new Path(workDir, REPLACED);
        Map<Path, Path> replaced = new LinkedHashMap<>();
        List<Path> movedIn = new ArrayList<>();
        try {
            fs.mkdirs(aside);
            for (FileStatus entry : list(fs, workDir)) {
                String name = entry.getPath().getName();
                if (name.equals(REPLACED)) {
                    continue;
                }
                Path target = new Path(output, name);
                if (fs.exists(target)) {
                    Path old = new Path(aside, name);
                    rename(target, old);
                    replaced.put(target, old);
                }
                rename(entry.getPath(), target);
                movedIn.add(target);
            }
        } catch (IOException e) {
            List<String> leftovers = rollBack(movedIn, replaced);
            throw new UncheckedIOException("cannot move the finished run from " + workDir + " into " + output + ": " + e.getMessage()
                    + (leftovers.isEmpty() ? "; the previous run's files are back in place" : "; " + String.join("; ", leftovers)), e);
        }
        try {
            fs.delete(workDir, true);
        } catch (IOException e) {
            // the new run is in place; what is left is a hidden folder the next --overwrite run removes
        }
    }

    private List<String> rollBack(List<Path> movedIn, Map<Path, Path> replaced) {
        List<String> leftovers = new ArrayList<>();
        for (Path target : movedIn) {
            try {
                rename(target, new Path(workDir, target.getName()));
            } catch (IOException e) {
                leftovers.add("the new " + target + " could not be moved back: " + e.getMessage());
            }
        }
        for (Map.Entry<Path, Path> old : replaced.entrySet()) {
            try {
                rename(old.getValue(), old.getKey());
            } catch (IOException e) {
                leftovers.add("the previous " + old.getKey() + " is at " + old.getValue() + ": " + e.getMessage());
            }
        }
        return leftovers;
    }

    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("rename of " + from + " to " + to + " returned false");
        }
    }

    private static List<FileStatus> list(FileSystem fs, Path dir) throws IOException {
        try {
            return List.of(fs.listStatus(dir));
        } catch (FileNotFoundException e) {
            return List.of();
        }
    }
}

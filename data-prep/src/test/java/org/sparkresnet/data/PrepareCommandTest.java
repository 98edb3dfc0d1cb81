package org.sparkresnet.data;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrepareCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int prepare(String... args) {
        return new CommandLine(new PrepareCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
    }

    @Test
    void missingInputDirectoryIsExitCode2WithOneLineNamingIt() {
        Path missing = dir.resolve("no-such-data");
        int exit = prepare("--input", missing.toString(), "--output", dir.resolve("out").toString());
        assertEquals(2, exit);
        String message = err.toString().strip();
        assertEquals(1, message.lines().count(), "one line, no stack trace: " + message);
        assertTrue(message.contains("no-such-data") && message.contains("does not exist"), message);
        assertFalse(Files.exists(dir.resolve("out")), "nothing is written");
    }

    @Test
    void badOptionValuesAreExitCode2() {
        assertEquals(2, prepare("--dataset", "cifar-10", "--input", dir.toString(), "--output", dir.resolve("out").toString()));
        assertTrue(err.toString().contains("unknown dataset 'cifar-10', known: fashion-mnist, mnist"), err.toString());
        assertEquals(2, prepare("--input", dir.toString()));
        assertTrue(err.toString().contains("Missing required option: '--output=URI'"), err.toString());
        assertEquals(2, prepare("--input", dir.toString(), "--output", dir.resolve("out").toString(), "--shard-size", "0"));
        assertTrue(err.toString().contains("shard size must be > 0, got 0"), err.toString());
    }

    @Test
    void helpIsReadable() {
        assertEquals(0, prepare("--help"));
        String usage = out.toString();
        assertTrue(usage.startsWith("Usage: prepare "), usage);
        for (String option : new String[] {"--dataset=NAME", "--input=DIR", "--output=URI", "--shard-size=N", "--overwrite", "--limit=N", "--master=URL"}) {
            assertTrue(usage.contains(option), option + " in " + usage);
        }
        assertTrue(usage.contains("(default: fashion-mnist)") && usage.contains("(default: 2048)"), usage);
        assertTrue(usage.contains("Exit codes:"), usage);
    }

    /** The whole command, Spark included: prints what it does and a summary, writes both splits. */
    @Test
    void preparesGeneratedData() throws Exception {
        Path input = TestIdxFiles.writeDataset(dir.resolve("in"), 90, 30, true);
        Path output = dir.resolve("out");
        int exit = prepare("--dataset", "mnist", "--input", input.toUri().toString(), "--output", output.toUri().toString(),
                "--shard-size", "40", "--master", "local[2]");
        assertEquals(0, exit, err.toString());
        String printed = out.toString();
        assertTrue(printed.contains("prepare mnist: reading IDX files from " + input.toUri()), printed);
        assertTrue(printed.contains("prepared mnist into "), printed);
        assertTrue(printed.matches("(?s).*train\\s+90 examples\\s+3 shards.*"), printed);
        assertTrue(printed.matches("(?s).*test\\s+30 examples\\s+1 shards.*"), printed);
        assertEquals(90, SplitManifest.read(output.resolve("train").toUri().toString(), new Configuration()).numExamples());

        // a second run into the same output is refused with exit code 2 and a hint
        assertEquals(2, prepare("--dataset", "mnist", "--input", input.toUri().toString(), "--output", output.toUri().toString(),
                "--master", "local[2]"));
        assertTrue(err.toString().contains("already exists: choose another output or pass --overwrite"), err.toString());
    }
}

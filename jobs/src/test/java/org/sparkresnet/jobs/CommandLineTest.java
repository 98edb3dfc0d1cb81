package org.sparkresnet.jobs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparkresnet.jobs.cli.Main;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The jobs as a user meets them on the command line: help, bad flags, missing data. */
class CommandLineTest {
    @TempDir
    Path work;

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheJobsAndTheirMainFlags() {
        Run top = run("--help");
        assertEquals(0, top.exitCode());
        for (String job : new String[]{"prepare", "train", "evaluate", "summary"}) {
            assertTrue(top.out().contains(job), top.out());
        }
        Run train = run("train", "--help");
        for (String flag : new String[]{"--data", "--output", "--model", "--epochs", "--batch", "--lr", "--master"}) {
            assertTrue(train.out().contains(flag), train.out());
        }
    }

    @Test
    void aBadFlagIsNamedAndExitsWithTwo() {
        Run r = run("train", "--data", "x", "--output", "y", "--epochz", "3");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--epochz"), r.err());
    }

    @Test
    void aBadValueIsNamedWithWhatWasExpected() {
        Run r = run("train", "--data", "x", "--output", "y", "--updater", "rmsprop");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("--updater must be one of [adam, sgd], got 'rmsprop'"), r.err());
    }

    @Test
    void trainOnAMissingDataDirectoryNamesIt() {
        String missing = work.resolve("no-such-data").toUri().toString();
        Run r = run("train", "--master", "local[1]", "--data", missing, "--output", work.resolve("out").toUri().toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("no-such-data"), r.err());
        assertTrue(r.err().lines().count() <= 2, "one clear line, not a stack trace: " + r.err());
    }

    @Test
    void evaluateWithAMissingModelNamesIt() {
        Run r = run("evaluate", "--master", "local[1]", "--model", work.resolve("nothing/model.zip").toUri().toString(),
                "--data", work.resolve("no-such-data").toUri().toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("no-such-data") || r.err().contains("nothing/model.zip"), r.err());
    }
}

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
        for (String option : new String[] {"--image-size=PIXELS", "--resize=PIXELS", "--skip-bad"}) {
            assertTrue(usage.contains(option), option + " in " + usage);
        }
        String flowed = usage.replaceAll("\\s+", " "); // picocli wraps long descriptions
        assertTrue(flowed.contains("(default: fashion-mnist)") && flowed.contains("(default: 2048 for IDX, 512 for images)"), usage);
        assertTrue(usage.contains("Exit codes:"), usage);
    }

    @Test
    void badImageOptionsAreExitCode2NamingTheValue() {
        assertEquals(2, prepare("--dataset", "folder", "--input", dir.toString(), "--output", dir.resolve("out").toString(),
                "--image-size", "64", "--resize", "32"));
        assertTrue(err.toString().contains("resize (shorter side) must be >= image size 64 so the centre crop fits, got 32"), err.toString());
        assertEquals(2, prepare("--dataset", "mnist", "--input", dir.toString(), "--output", dir.resolve("out").toString(), "--skip-bad"));
        assertTrue(err.toString().contains("--image-size, --resize and --skip-bad apply to image datasets (imagenet, folder), not to mnist"), err.toString());
    }

    /** An image tree through the whole command: image options, progress lines, a bad file skipped. */
    @Test
    void preparesAnImageTreeSkippingABadFile() throws Exception {
        Path input = org.sparkresnet.data.image.TestImageTrees.mixedClassFolders(dir.resolve("images"));
        Files.writeString(input.resolve("train/dog/broken.jpg"), "not a JPEG");
        Path output = dir.resolve("out");
        int exit = prepare("--dataset", "folder", "--input", input.toUri().toString(), "--output", output.toUri().toString(),
                "--image-size", "24", "--resize", "28", "--shard-size", "5", "--skip-bad", "--limit", "9", "--master", "local[2]");
        assertEquals(0, exit, err.toString());
        String printed = out.toString();
        assertTrue(printed.contains("reading images (shorter side to 28 (area when shrinking, bilinear when enlarging), centre crop 24x24)"), printed);
        assertTrue(printed.contains("train: 11 image files in 3 classes from "), printed);
        assertTrue(printed.matches("(?s).*train: 9 / 9 files \\(100\\.0%\\), [0-9,]+ images/s.*"), printed);
        assertTrue(printed.matches("(?s).*train\\s+\\d examples\\s+2 shards.*"), printed);
        SplitManifest train = SplitManifest.read(output.resolve("train").toUri().toString(), new Configuration());
        assertEquals(new org.sparkresnet.model.InputShape(3, 24, 24), train.shape());
        // 9 of 11 files, classes in turn: cat c1 c2 c3, dog broken d1 d2 (broken skipped), fox f1 f2 f3
        assertEquals(8, train.numExamples());
        assertEquals(1, train.skipped().size());
        assertTrue(train.skipped().get(0).file().endsWith("train/dog/broken.jpg"), train.skipped().toString());
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

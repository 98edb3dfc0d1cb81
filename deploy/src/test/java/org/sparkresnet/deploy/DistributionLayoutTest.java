package org.sparkresnet.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarOutputStream;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The distribution's lib/ is our runtime jars less a stock Spark's, and the build refuses any clash with Spark's. */
class DistributionLayoutTest {
    @TempDir
    Path dir;

    @Test
    void shipsOnlyWhatSparkLacksAndRecordsWhatItLeftOut() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path sparkJars = Files.createDirectories(dir.resolve("spark"));
        jar(lib.resolve("picocli-4.7.7.jar"), Map.of("picocli/CommandLine.class", "ours"));
        jar(lib.resolve("nd4j-native-1.0.0-M2.1-linux-x86_64.jar"), Map.of("org/nd4j/Native.class", "native"));
        jar(lib.resolve("jackson-core-2.15.2.jar"), Map.of("com/fasterxml/jackson/core/JsonParser.class", "same"));
        jar(sparkJars.resolve("jackson-core-2.15.2.jar"), Map.of("com/fasterxml/jackson/core/JsonParser.class", "same"));
        Path ours = list(dir.resolve("ours.txt"), "info.picocli:picocli:jar:4.7.7:compile -- module info.picocli",
                "org.nd4j:nd4j-native:jar:linux-x86_64:1.0.0-M2.1:compile", "com.fasterxml.jackson.core:jackson-core:jar:2.15.2:compile");
        Path spark = list(dir.resolve("spark.txt"), "com.fasterxml.jackson.core:jackson-core:jar:2.15.2:compile");

        DistributionLayout.main(args(ours, spark, sparkJars, lib));

        try (var shipped = Files.list(dir.resolve("out"))) {
            assertEquals(List.of("nd4j-native-1.0.0-M2.1-linux-x86_64.jar", "picocli-4.7.7.jar"),
                    shipped.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertTrue(Files.readString(dir.resolve("provided.txt")).contains("com.fasterxml.jackson.core:jackson-core:2.15.2"));
    }

    @Test
    void refusesAJarAtAnotherVersionThanSparksNamingBoth() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path sparkJars = Files.createDirectories(dir.resolve("spark"));
        jar(lib.resolve("spark-sql_2.12-3.1.2.jar"), Map.of("org/apache/spark/sql/Dataset.class", "old"));
        Path ours = list(dir.resolve("ours.txt"), "org.apache.spark:spark-sql_2.12:jar:3.1.2:compile");
        Path spark = list(dir.resolve("spark.txt"), "org.apache.spark:spark-sql_2.12:jar:3.5.9:compile");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DistributionLayout.main(args(ours, spark, sparkJars, lib)));
        assertTrue(e.getMessage().contains("spark-sql_2.12 is 3.1.2 here but 3.5.9 in Spark"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("out")), "nothing is laid out on a clash");
    }

    @Test
    void refusesAnotherArtifactHoldingOtherBytesOfASparkClassButNotIdenticalCopies() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        Path sparkJars = Files.createDirectories(dir.resolve("spark"));
        jar(lib.resolve("kryo-4.0.0.jar"), Map.of("com/esotericsoftware/kryo/Kryo.class", "4.0.0"));
        jar(lib.resolve("copies-1.0.jar"), Map.of("org/example/Same.class", "identical"));
        jar(sparkJars.resolve("kryo-shaded-4.0.2.jar"), Map.of("com/esotericsoftware/kryo/Kryo.class", "4.0.2", "org/example/Same.class", "identical"));
        Path ours = list(dir.resolve("ours.txt"), "com.esotericsoftware:kryo:jar:4.0.0:compile", "org.example:copies:jar:1.0:compile");
        Path spark = list(dir.resolve("spark.txt"), "com.esotericsoftware:kryo-shaded:jar:4.0.2:compile");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> DistributionLayout.main(args(ours, spark, sparkJars, lib)));
        assertTrue(e.getMessage().contains("kryo-4.0.0.jar and Spark's kryo-shaded-4.0.2.jar both hold 1 classes"), e.getMessage());
        assertTrue(!e.getMessage().contains("copies-1.0.jar"), "byte-identical copies are no clash: " + e.getMessage());
    }

    private String[] args(Path ours, Path spark, Path sparkJars, Path lib) {
        return new String[]{ours.toString(), spark.toString(), sparkJars.toString(), lib.toString(), dir.resolve("out").toString(),
                dir.resolve("provided.txt").toString()};
    }

    private static Path list(Path file, String... lines) throws IOException {
        StringBuilder s = new StringBuilder("\nThe following files have been resolved:\n");
        for (String line : lines) {
            s.append("   ").append(line).append('\n');
        }
        return Files.writeString(file, s.toString());
    }

    private static void jar(Path path, Map<String, String> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(path); JarOutputStream jar = new JarOutputStream(out)) {
            for (Map.Entry<String, String> e : entries.entrySet()) {
                jar.putNextEntry(new ZipEntry(e.getKey()));
                jar.write(e.getValue().getBytes());
                jar.closeEntry();
            }
        }
    }
}

package org.sparkresnet.jobs.preflight;

import org.junit.jupiter.api.Test;
import org.sparkresnet.runtime.JvmFlags;

import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JvmFlagsCheckTest {
    private static final List<String> EXPECTED = List.of("--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Dorg.eclipse.deeplearning4j.helpers.disable=false");

    @Test
    void namesEachMissingFlagAndTheExecutorFix() {
        Check check = JvmFlagsCheck.evaluate("executor 0 (h)", EXPECTED, List.of("-Xmx1g", "--add-opens=java.base/java.lang=ALL-UNNAMED"),
                new Properties(), false);
        assertEquals(Check.Status.FAIL, check.status());
        assertTrue(check.detail().startsWith("2 of 3 flags missing"), check.detail());
        assertTrue(check.detail().contains("--add-opens=java.base/java.nio=ALL-UNNAMED"));
        assertFalse(check.detail().contains("java.lang=ALL-UNNAMED"), "present flags are not listed: " + check.detail());
        assertTrue(check.advice().contains("spark.executor.extraJavaOptions"), check.advice());
    }

    @Test
    void aSystemPropertyWithTheFlagsValueCounts() {
        Properties properties = new Properties();
        properties.setProperty("org.eclipse.deeplearning4j.helpers.disable", "false");
        Check check = JvmFlagsCheck.evaluate("driver", EXPECTED, EXPECTED.subList(0, 2), properties, true);
        assertEquals(Check.Status.PASS, check.status(), check.toString());
        properties.setProperty("org.eclipse.deeplearning4j.helpers.disable", "true");
        Check wrongValue = JvmFlagsCheck.evaluate("driver", EXPECTED, EXPECTED.subList(0, 2), properties, true);
        assertEquals(Check.Status.FAIL, wrongValue.status());
        assertTrue(wrongValue.advice().contains("--driver-java-options"), wrongValue.advice());
    }

    @Test
    void thisTestJvmHasTheProjectsFlags() {
        // surefire starts test JVMs with ${resnet.jvm.flags}: the same list the executors get
        Check check = JvmFlagsCheck.evaluate("driver", JvmFlags.asList(), JvmFlagsCheck.thisJvmsArguments(), new Properties(), true);
        assertEquals(Check.Status.PASS, check.status(), check.toString());
    }
}

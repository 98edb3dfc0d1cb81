package org.sparkresnet.jobs.preflight;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PreflightReportTest {
    @Test
    void passesAndWarningsExitZeroAFailureExitsThree() {
        Check pass = Check.pass("driver", "master", "ok");
        Check warn = Check.warn("executor 0 (h)", "memory", "tight", "raise it");
        Check fail = Check.fail("executor 1 (h)", "data", "file:/d does not exist", "prepare it");
        assertEquals(0, new PreflightReport("m", "averaging", List.of(pass, warn)).exitCode());
        PreflightReport failed = new PreflightReport("m", "averaging", List.of(pass, warn, fail));
        assertEquals(PreflightReport.CHECK_FAILED, failed.exitCode());
        assertEquals(List.of(fail), failed.failures());
    }

    @Test
    void theTableHasARowPerCheckAndEachFixBelowItsRow() {
        PreflightReport report = new PreflightReport("spark://m:7077", "sharing", List.of(Check.pass("driver", "master", "ok"),
                Check.fail("executor 1 (host-b)", "aeron-udp", "no datagrams", "open UDP 40123")));
        String[] lines = report.table().split("\\R");
        assertTrue(lines[0].matches("WHERE\\s+CHECK\\s+RESULT\\s+DETAIL"), lines[0]);
        assertTrue(lines[1].matches("driver\\s+master\\s+PASS\\s+ok"), lines[1]);
        assertTrue(lines[2].matches("executor 1 \\(host-b\\)\\s+aeron-udp\\s+FAIL\\s+no datagrams"), lines[2]);
        assertTrue(lines[3].matches("\\s+fix: open UDP 40123"), lines[3]);
        assertEquals("preflight FAILED: 2 checks, 1 failed, 0 warnings (master spark://m:7077, mode sharing)", lines[4]);
    }

    @Test
    void theJsonHasEveryCheck() throws Exception {
        PreflightReport report = new PreflightReport("yarn", "averaging", List.of(Check.pass("driver", "master", "ok"),
                Check.fail("driver", "output", "cannot write", "grant it")));
        JsonNode json = new ObjectMapper().readTree(report.toJson());
        assertEquals(false, json.get("passed").asBoolean());
        assertEquals(3, json.get("exitCode").asInt());
        assertEquals(2, json.get("checks").size());
        assertEquals("FAIL", json.get("checks").get(1).get("status").asText());
        assertEquals("grant it", json.get("checks").get(1).get("advice").asText());
        assertTrue(json.get("checks").get(0).get("advice") == null, "no advice for a pass");
    }
}

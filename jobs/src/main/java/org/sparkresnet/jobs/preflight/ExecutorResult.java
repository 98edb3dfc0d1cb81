package org.sparkresnet.jobs.preflight;

import java.io.Serializable;
import java.util.List;

/**
 * What the probe task found on one executor.
 *
 * @param udp the UDP exchange with the driver (null unless --mode sharing)
 */
public record ExecutorResult(ExecutorRef executor, List<Check> checks, UdpExchange.Result udp) implements Serializable {
}

package io.sipreg.registrar;

/**
 * How many bindings exist now, for metrics and the dashboard.
 *
 * @param bindings unexpired bindings
 * @param nat      of those, bindings whose device is behind NAT
 */
public record BindingCount(int bindings, int nat) {
}

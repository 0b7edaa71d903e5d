package io.sipreg.registrar;

import java.util.Locale;
import java.util.Optional;

/**
 * When the embedded store lets a 200 OK leave: what a binding the device was told about survives. Both keep the
 * journal's order, so what survives any crash is every change up to some point, never a later one without an
 * earlier one (a torn tail is cut at the first bad checksum, {@link BindingJournal#replay}).
 */
public enum Durability {
    /**
     * After the journal record is fdatasynced (the default): the binding survives a kill -9 of the process and a
     * power loss, as far as the disk honours the flush. The 200s wait for the disk, stalls included.
     */
    FSYNC("fsync"),
    /**
     * After the record is written to the journal file, before it is on the disk: the kernel holds it, so it survives a
     * kill -9 (or any crash) of the process; a power loss or a kernel crash loses what was answered since the last
     * fdatasync, which a thread of its own repeats without pause (usually a fraction of a millisecond behind; as far
     * behind as the disk's longest stall). The same trade as PostgreSQL's {@code synchronous_commit = off}.
     */
    WRITE("write");

    private final String configName;

    Durability(String configName) {
        this.configName = configName;
    }

    /** As written in the config file ({@code store.durability}). */
    public String configName() {
        return configName;
    }

    public static Optional<Durability> fromConfigName(String name) {
        for (Durability d : values()) {
            if (d.configName.equals(name.toLowerCase(Locale.ROOT))) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }
}

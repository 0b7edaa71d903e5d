package io.sipreg.cli.it;

/** A sipreg command run to completion: its exit code and what it printed. */
record CommandResult(int exitCode, String stdout, String stderr) {

    @Override
    public String toString() {
        return "exit code " + exitCode + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
    }
}

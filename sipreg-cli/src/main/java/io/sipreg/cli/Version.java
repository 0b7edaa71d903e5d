package io.sipreg.cli;

import picocli.CommandLine.IVersionProvider;

final class Version implements IVersionProvider {
    static final String NAME = "sipreg/0.1";

    @Override
    public String[] getVersion() {
        return new String[] {"sipreg 0.1.0"};
    }
}

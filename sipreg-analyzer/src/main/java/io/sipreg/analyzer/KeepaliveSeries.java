package io.sipreg.analyzer;

/**
 * OPTIONS requests from one address to another (the seed's keepalives: a server or phone pinging the other side
 * every N seconds to keep a NAT binding open), with their answers.
 */
final class KeepaliveSeries extends MessageGroup {
    final Endpoint sender;
    final Endpoint receiver;

    KeepaliveSeries(Endpoint sender, Endpoint receiver) {
        this.sender = sender;
        this.receiver = receiver;
    }
}

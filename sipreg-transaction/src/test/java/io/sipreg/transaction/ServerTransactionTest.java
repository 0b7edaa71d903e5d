package io.sipreg.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.sipreg.transport.Flow;
import io.sipreg.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ServerTransactionTest {
    private static final Flow UDP = new Flow(Transport.UDP, new InetSocketAddress("192.0.2.1", 5060),
            new InetSocketAddress("203.0.113.5", 40211), 0);
    private static final byte[] OK = "SIP/2.0 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerTransaction tx =
            new ServerTransaction(new TransactionKey("z9hG4bK1", "10.0.0.5:5060", "REGISTER"), UDP, "c1", 0);

    @Test // §17.2.2: Trying absorbs a retransmission
    void tryingHasNothingToSendAgain() {
        assertThat(tx.retransmission()).isEmpty();
    }

    @Test // §17.2.2: Completed answers it with the final response as sent
    void completedSendsTheFinalResponseAgain() {
        tx.complete(OK);

        assertThat(tx.retransmission()).contains(OK);
    }

    @Test // a copy that looked the transaction up just before it moved to the store of Completed ones
    void aCopyRacingTheMoveToTheStoreIsStillAnswered() {
        tx.complete(OK);
        tx.terminate();

        assertThat(tx.retransmission()).contains(OK);
    }

    @Test // Timer J's counterpart for a silent TU: nothing was ever sent, nothing is sent now
    void anAbandonedTransactionHasNothingToSendAgain() {
        assertThat(tx.abandon()).isTrue();

        assertThat(tx.retransmission()).isEmpty();
        assertThat(tx.complete(OK)).isFalse();
        assertThat(tx.retransmission()).isEmpty();
    }
}

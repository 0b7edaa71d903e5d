package io.sipreg.transaction;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TransactionKeyTest {

    @Test // RFC 3261 §17.2.3
    void keysOnBranchSentByAndMethod() {
        TransactionKey key = TransactionKey.of(
                SipText.register("SIP/2.0/UDP PC33.Example.com:5060;branch=z9hG4bK776asdhds;rport"));
        assertThat(key).isEqualTo(new TransactionKey("z9hG4bK776asdhds", "pc33.example.com:5060", "REGISTER"));
    }

    @Test // received/rport added by the transport do not change the key
    void ignoresParametersOtherThanBranch() {
        assertThat(TransactionKey.of(SipText.register("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK1;rport")))
                .isEqualTo(TransactionKey.of(
                        SipText.register("SIP/2.0/UDP 10.0.0.5;branch=z9hG4bK1;received=203.0.113.5;rport=1")));
    }

    @Test // RFC 3261 §17.2.3, RFC 2543 clients
    void fallsBackToTheRfc2543FieldsWithoutTheMagicCookie() {
        TransactionKey key = TransactionKey.of(SipText.register("SIP/2.0/UDP 10.0.0.5:5060;branch=1234"));
        assertThat(key.sentBy()).isEmpty();
        assertThat(key.branch()).startsWith("rfc2543|").contains("843817637684230@998sdasdh09")
                .contains("1826 REGISTER").contains("tag=456248").contains("branch=1234");
        assertThat(TransactionKey.of(SipText.register("SIP/2.0/UDP 10.0.0.5:5060;branch=5678"))).isNotEqualTo(key);
    }
}

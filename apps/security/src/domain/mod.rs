//! The security chain's domain types: each stored record converted once,
//! where it is read, into typed fields (addresses, symbols, statuses), and
//! back into the same record where it is written.

mod dividend;
mod hold;
mod listing;
mod position;
mod security;

pub use dividend::{status_name, Dividend, DividendStatus};
pub use hold::{HeldMovement, HeldPage, Hold};
pub use listing::Listing;
pub use position::Position;
pub use security::Security;

#[cfg(test)]
mod tests {
    use prost::Message;
    use xcc_chain::state::Record;
    use xcc_chain::Address;
    use xcc_proto::security::v1 as pb;

    use super::*;

    fn account(seed: u8) -> String {
        let key = ed25519_consensus::SigningKey::from([seed; 32]);
        Address::from_public_key(&key.verification_key()).to_string()
    }

    /// Decoding and encoding again gives the stored bytes back.
    fn round_trips<R: Record>(proto: R::Proto) {
        let bytes = proto.encode_to_vec();
        let record = R::from_proto(proto).expect("a valid record");
        assert_eq!(record.to_proto().encode_to_vec(), bytes);
    }

    fn dividend() -> pb::Dividend {
        pb::Dividend {
            id: 3,
            symbol: "HARB".into(),
            issuer: account(1),
            record_height: 9,
            amount_per_unit_micros: 250_000,
            payer: account(2),
            denom: "usd".into(),
            currency_chain: "currency-1".into(),
            status: pb::DividendStatus::Paid as i32,
            declared_height: 10,
            tx_id: vec![5; 32],
            paid_height: 12,
            total: 40,
            holders: 2,
            pages: 1,
            page_holders: 5_000,
            reserved_pages: 1,
        }
    }

    fn hold() -> pb::Hold {
        pb::Hold {
            tx_id: vec![7; 32],
            leg_index: 1,
            transfers: vec![pb::HeldTransfer {
                symbol: "HARB".into(),
                from: account(1),
                to: account(2),
                amount: 4,
                slot: true,
                listing_id: 0,
                // Paid less than a unit's worth: a price of 0 with its denom.
                price_per_unit: 0,
                denom: "usd".into(),
            }],
            dividend_id: 3,
            dividend_page_total: 40,
            dividend_page_holders: 2,
        }
    }

    #[test]
    fn stored_records_read_back_to_the_same_bytes() {
        round_trips::<Dividend>(dividend());
        round_trips::<Dividend>(pb::Dividend {
            status: pb::DividendStatus::Payable as i32,
            tx_id: Vec::new(),
            ..dividend()
        });
        round_trips::<Hold>(hold());
        round_trips::<Hold>(pb::Hold {
            dividend_id: 0,
            dividend_page_total: 0,
            dividend_page_holders: 0,
            ..hold()
        });
        round_trips::<Listing>(pb::Listing {
            id: 1,
            seller: account(1),
            symbol: "HARB".into(),
            units: 5,
            reserved: 2,
            price_per_unit: 100,
            denom: "usd".into(),
            currency_chain: "currency-1".into(),
            created_height: 4,
            cancelled: true,
        });
    }

    #[test]
    fn a_corrupt_record_is_refused_with_what_is_wrong() {
        let refused = |proto: pb::Dividend| Dividend::from_proto(proto).unwrap_err();
        assert_eq!(
            refused(pb::Dividend {
                status: 0,
                ..dividend()
            }),
            "dividend status 0"
        );
        assert_eq!(
            refused(pb::Dividend {
                tx_id: vec![5; 31],
                ..dividend()
            }),
            "payout tx id of 31 bytes"
        );
        assert!(refused(pb::Dividend {
            payer: "nobody".into(),
            ..dividend()
        })
        .starts_with("payer: "));
        assert!(refused(pb::Dividend {
            symbol: "harb".into(),
            ..dividend()
        })
        .starts_with("symbol: "));
        let short_hold = pb::Hold {
            tx_id: vec![7; 3],
            ..hold()
        };
        assert_eq!(
            Hold::from_proto(short_hold).unwrap_err(),
            "hold tx id of 3 bytes"
        );
    }
}

//! Txs as a reader sees them: the envelope's sender, nonce and memo, and
//! each message with its fields, nested cross-tx legs included. Decoding
//! never fails a page: what does not decode is shown as such.

use prost::{Message, Name};
use serde::Serialize;
use serde_json::Value;
use xcc_chain::Address;
use xcc_proto::{
    auction::v1 as auction, coordinator::v1 as coordinator, currency::v1 as currency,
    ibc::v1 as ibc, ping::v1 as ping, security::v1 as security, trust::v1 as trust,
    tx::v1 as tx_pb, validators::v1 as validators, xtx::v1 as xtx, Any,
};

/// A decoded tx envelope.
#[derive(Clone, Debug, Default)]
pub struct TxView {
    /// The first signer's address, who pays the nonce.
    pub sender: Option<String>,
    pub chain_id: String,
    pub nonce: u64,
    pub memo: String,
    pub timeout_height: u64,
    pub msgs: Vec<MsgView>,
    /// Why the bytes are not an XCC tx, if they are not.
    pub error: Option<String>,
}

/// One message: its short type name and fields in their declared order.
#[derive(Clone, Debug, Default)]
pub struct MsgView {
    pub type_url: String,
    pub fields: Vec<(String, String)>,
    /// A cross-tx's legs, each with its own messages.
    pub legs: Vec<LegView>,
}

#[derive(Clone, Debug, Default)]
pub struct LegView {
    pub chain_id: String,
    pub depends_on: Option<u32>,
    pub msgs: Vec<MsgView>,
}

impl MsgView {
    /// `security.MsgTransfer` for `/xcc.security.v1.MsgTransfer`.
    pub fn name(&self) -> String {
        short_type_name(&self.type_url)
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }
}

pub fn short_type_name(type_url: &str) -> String {
    let name = type_url.trim_start_matches('/');
    let parts: Vec<&str> = name.split('.').collect();
    match parts.as_slice() {
        ["xcc", module, _version, message] => format!("{module}.{message}"),
        _ => name.to_owned(),
    }
}

pub fn decode_tx(bytes: &[u8]) -> TxView {
    let tx = match tx_pb::Tx::decode(bytes) {
        Ok(tx) => tx,
        Err(e) => {
            return TxView {
                error: Some(format!("not an XCC tx: {e}")),
                ..TxView::default()
            }
        }
    };
    let body = tx.body.unwrap_or_default();
    let sender = tx.signatures.first().and_then(|signature| {
        let key: [u8; 32] = signature.public_key.as_slice().try_into().ok()?;
        let key = ed25519_consensus::VerificationKey::try_from(key).ok()?;
        Some(Address::from_public_key(&key).to_string())
    });
    TxView {
        sender,
        chain_id: body.chain_id,
        nonce: body.nonce,
        memo: body.memo,
        timeout_height: body.timeout_height,
        msgs: body.msgs.iter().map(decode_msg).collect(),
        error: None,
    }
}

pub fn decode_msg(any: &Any) -> MsgView {
    let fields = match decode_fields(any) {
        Ok(fields) => fields,
        Err(e) => vec![("error".to_owned(), e)],
    };
    let legs = if any.type_url == coordinator::MsgSubmitCrossTx::type_url() {
        coordinator::MsgSubmitCrossTx::decode(any.value.as_slice())
            .ok()
            .and_then(|msg| msg.signed_cross_tx)
            .and_then(|signed| signed.cross_tx)
            .map(|cross_tx| legs(&cross_tx))
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    MsgView {
        type_url: any.type_url.clone(),
        fields,
        legs,
    }
}

fn legs(cross_tx: &xtx::CrossTx) -> Vec<LegView> {
    cross_tx
        .legs
        .iter()
        .map(|leg| LegView {
            chain_id: leg.chain_id.clone(),
            depends_on: leg.depends_on,
            msgs: leg.msgs.iter().map(decode_msg).collect(),
        })
        .collect()
}

/// The fields of the message types the explorer knows, else an error
/// naming the type.
fn decode_fields(any: &Any) -> Result<Vec<(String, String)>, String> {
    macro_rules! serialized {
        ($($ty:ty),* $(,)?) => {
            $(
                if any.type_url == <$ty>::type_url() {
                    return serialized_fields::<$ty>(&any.value);
                }
            )*
        };
    }
    serialized!(
        security::MsgRegisterSecurity,
        security::MsgAppointKycAgent,
        security::MsgRevokeKycAgent,
        security::MsgWhitelistAdd,
        security::MsgWhitelistRemove,
        security::MsgTransfer,
        security::MsgFreeze,
        security::MsgUnfreeze,
        security::MsgCreateListing,
        security::MsgCancelListing,
        security::MsgFillListing,
        security::MsgDeclareDividend,
        security::MsgReserveDividend,
        currency::MsgMint,
        currency::MsgTransfer,
        currency::MsgPayDividend,
        currency::MsgHoldGuarantee,
        currency::MsgPayLot,
        auction::MsgCreateAuction,
        auction::MsgCancelAuction,
        auction::MsgBid,
        auction::MsgTake,
        auction::MsgCommitBid,
        auction::MsgRevealBid,
        auction::MsgCloseAuction,
        auction::MsgQualifyBidder,
        auction::MsgSettleLot,
        trust::MsgRegisterBank,
        trust::MsgRevokeBank,
        trust::MsgRegisterPlatform,
        trust::MsgRegisterBidder,
    );
    let bad = |e: prost::DecodeError| format!("undecodable {}: {e}", any.type_url);
    let value = any.value.as_slice();
    let fields: Vec<(&str, String)> = if any.type_url == coordinator::MsgSubmitCrossTx::type_url() {
        let msg = coordinator::MsgSubmitCrossTx::decode(value).map_err(bad)?;
        let cross_tx = msg
            .signed_cross_tx
            .as_ref()
            .and_then(|signed| signed.cross_tx.as_ref());
        let mut fields = vec![("submitter", msg.submitter.clone())];
        if let Some(cross_tx) = cross_tx {
            fields.push((
                "cross_tx",
                hex::encode(xcc_chain::xtx::cross_tx_id(cross_tx)),
            ));
            fields.push(("deadline_ns", cross_tx.deadline_ns.to_string()));
            fields.push(("legs", cross_tx.legs.len().to_string()));
        }
        fields
    } else if any.type_url == ibc::MsgRecvPacket::type_url() {
        let msg = ibc::MsgRecvPacket::decode(value).map_err(bad)?;
        packet_fields(msg.signer, msg.packet, msg.proof_height)
    } else if any.type_url == ibc::MsgAcknowledge::type_url() {
        let msg = ibc::MsgAcknowledge::decode(value).map_err(bad)?;
        packet_fields(msg.signer, msg.packet, msg.proof_height)
    } else if any.type_url == ibc::MsgTimeout::type_url() {
        let msg = ibc::MsgTimeout::decode(value).map_err(bad)?;
        packet_fields(msg.signer, msg.packet, msg.proof_height)
    } else if any.type_url == ibc::MsgUpdateClient::type_url() {
        let msg = ibc::MsgUpdateClient::decode(value).map_err(bad)?;
        vec![("signer", msg.signer), ("client_id", msg.client_id)]
    } else if any.type_url == ibc::MsgRecoverClient::type_url() {
        let msg = ibc::MsgRecoverClient::decode(value).map_err(bad)?;
        vec![("authority", msg.authority), ("client_id", msg.client_id)]
    } else if any.type_url == ping::MsgPing::type_url() {
        let msg = ping::MsgPing::decode(value).map_err(bad)?;
        vec![
            ("sender", msg.sender),
            ("dest_chain", msg.dest_chain),
            ("message", msg.message),
        ]
    } else if any.type_url == validators::MsgSetValidatorPower::type_url() {
        let msg = validators::MsgSetValidatorPower::decode(value).map_err(bad)?;
        vec![
            ("authority", msg.authority),
            ("public_key", hex::encode(msg.public_key)),
            ("power", msg.power.to_string()),
        ]
    } else {
        return Err(format!(
            "a message type this explorer does not know: {}",
            any.type_url
        ));
    };
    Ok(fields
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect())
}

fn packet_fields(
    signer: String,
    packet: Option<ibc::Packet>,
    proof_height: u64,
) -> Vec<(&'static str, String)> {
    let packet = packet.unwrap_or_default();
    vec![
        ("signer", signer),
        (
            "packet",
            format!(
                "{} → {} #{} ({})",
                packet.source_chain, packet.dest_chain, packet.sequence, packet.port
            ),
        ),
        ("proof_height", proof_height.to_string()),
    ]
}

fn serialized_fields<T: Message + Default + Serialize>(
    bytes: &[u8],
) -> Result<Vec<(String, String)>, String> {
    let msg = T::decode(bytes).map_err(|e| format!("undecodable: {e}"))?;
    let value = serde_json::to_value(&msg).map_err(|e| format!("unprintable: {e}"))?;
    let mut fields = Vec::new();
    flatten("", &value, &mut fields);
    Ok(fields)
}

/// Nested records as dotted names; byte strings as hex.
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    let name = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                flatten(&name(key), value, out);
            }
        }
        Value::Array(items) if !items.is_empty() && items.iter().all(is_byte) => {
            let bytes: Vec<u8> = items
                .iter()
                .filter_map(|item| item.as_u64().map(|byte| byte as u8))
                .collect();
            out.push((prefix.to_owned(), hex::encode(bytes)));
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                flatten(&name(&index.to_string()), item, out);
            }
        }
        Value::String(text) => out.push((prefix.to_owned(), text.clone())),
        Value::Null => {}
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

fn is_byte(value: &Value) -> bool {
    value.as_u64().is_some_and(|n| n <= 255)
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcc_proto::to_any;

    #[test]
    fn messages_show_their_fields_and_byte_strings_as_hex() {
        let msg = currency::MsgTransfer {
            from: "xcc1from".into(),
            to: "xcc1to".into(),
            denom: "usd".into(),
            amount: 25,
        };
        let view = decode_msg(&to_any(&msg));
        assert_eq!(view.name(), "currency.MsgTransfer");
        assert_eq!(view.field("amount"), Some("25"));
        assert_eq!(view.field("denom"), Some("usd"));

        let unknown = Any {
            type_url: "/evil.Msg".into(),
            value: vec![1, 2, 3],
        };
        let view = decode_msg(&unknown);
        assert!(view.field("error").unwrap().contains("does not know"));
        assert!(decode_tx(b"\xff\xff").error.is_some());
    }
}

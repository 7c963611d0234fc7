//! What the trust audit reads from the security chain: the parameters, the
//! platforms' keys, the most recent epochs with the fees their windows'
//! receipts carried, and the validator set the nodes applied after each.

use std::collections::BTreeMap;

use xcc_proto::trust::v1 as trust;
use xcc_security::trust::power::PowerParams;

use crate::reading::{At, Role, Source, SourceError};

/// How many of the latest epochs an audit recomputes.
pub const EPOCHS_AUDITED: u64 = 20;

#[derive(Clone, Debug, Default)]
pub struct TrustReading {
    /// None on a chain without proof of trust.
    pub params: Option<PowerParams>,
    pub window_epochs: u64,
    /// Each platform's consensus key, by platform id.
    pub platform_keys: BTreeMap<String, [u8; 32]>,
    pub epochs: Vec<EpochReading>,
}

#[derive(Clone, Debug)]
pub struct EpochReading {
    pub epoch: trust::Epoch,
    /// Each platform's fees over the epoch's window, summed from the
    /// receipts the chain recorded.
    pub receipt_fees: BTreeMap<String, u64>,
    /// The validator set at the epoch's height + 2 (public key, power),
    /// when the source can tell and the chain is that far.
    pub applied: Option<BTreeMap<[u8; 32], u64>>,
}

/// The answer, or none where the chain refuses the query (no proof of
/// trust, or no epoch yet).
async fn optional<R: prost::Message + Default>(
    at: &mut At<'_, impl Source>,
    path: &str,
    request: &impl prost::Message,
) -> Result<Option<R>, SourceError> {
    match at.ask(path, request).await {
        Ok(answer) => Ok(Some(answer)),
        Err(SourceError::Refused { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

pub async fn read_trust(source: &mut impl Source) -> Result<TrustReading, SourceError> {
    let height = source.latest_height(Role::Security).await?;
    let mut at = At {
        source,
        role: Role::Security,
        height: Some(height),
    };
    let mut reading = TrustReading::default();
    let params_path = "/xcc.trust.v1.Query/Params";
    let Some(params) =
        optional::<trust::Params>(&mut at, params_path, &trust::QueryParamsRequest {}).await?
    else {
        return Ok(reading);
    };
    reading.params = Some(PowerParams {
        pool: params.pool,
        max_share_bp: params.max_share_bp,
        floor: params.floor,
    });
    reading.window_epochs = params.window_epochs;
    let platforms = at
        .all_pages(
            "/xcc.trust.v1.Query/Platforms",
            |page| trust::QueryPlatformsRequest { page: Some(page) },
            |r: trust::QueryPlatformsResponse| (r.platforms, r.page),
        )
        .await?;
    for platform in platforms {
        if let Ok(key) = <[u8; 32]>::try_from(platform.validator_key.as_slice()) {
            reading.platform_keys.insert(platform.id, key);
        }
    }
    let epoch_path = "/xcc.trust.v1.Query/Epoch";
    let latest =
        optional::<trust::Epoch>(&mut at, epoch_path, &trust::QueryEpochRequest { number: 0 })
            .await?;
    let Some(latest) = latest else {
        return Ok(reading);
    };
    let first = latest.number.saturating_sub(EPOCHS_AUDITED - 1).max(1);
    for number in first..=latest.number {
        let request = trust::QueryEpochRequest { number };
        let Some(epoch) = optional::<trust::Epoch>(&mut at, epoch_path, &request).await? else {
            continue;
        };
        let mut receipt_fees = BTreeMap::new();
        let window_start = number
            .saturating_sub(params.window_epochs.saturating_sub(1))
            .max(1);
        for counted in window_start..=number {
            let fees = at
                .all_pages(
                    "/xcc.trust.v1.Query/ReceiptFees",
                    |page| trust::QueryReceiptFeesRequest {
                        epoch: counted,
                        page: Some(page),
                    },
                    |r: trust::QueryReceiptFeesResponse| (r.fees, r.page),
                )
                .await?;
            for fee in fees {
                *receipt_fees.entry(fee.platform_id).or_insert(0u64) += fee.fee;
            }
        }
        let applied_at = epoch.height + 2;
        let applied = if applied_at <= height {
            at.source
                .validators(Role::Security, applied_at)
                .await?
                .map(|set| set.into_iter().collect())
        } else {
            None
        };
        reading.epochs.push(EpochReading {
            epoch,
            receipt_fees,
            applied,
        });
    }
    Ok(reading)
}

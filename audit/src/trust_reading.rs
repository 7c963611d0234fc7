//! What the trust audit reads from the security chain: the parameters, the
//! platforms' keys, the most recent epochs with the fees their windows'
//! receipts carried, and the validator set the nodes applied after each.

use std::collections::BTreeMap;

use xcc_proto::trust::v1 as trust;
use xcc_security::trust::power::PowerParams;

use crate::reading::{Role, Source, SourceError};

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

async fn ask<R: prost::Message + Default>(
    source: &mut impl Source,
    path: &str,
    request: &impl prost::Message,
    height: u64,
) -> Result<Option<R>, SourceError> {
    match source
        .query(Role::Security, path, request.encode_to_vec(), Some(height))
        .await
    {
        Ok(bytes) => {
            R::decode(bytes.as_slice())
                .map(Some)
                .map_err(|error| SourceError::Undecodable {
                    chain: source.chain_id(Role::Security),
                    path: path.to_owned(),
                    error,
                })
        }
        // Not there: no proof of trust, or no epoch yet.
        Err(SourceError::Refused { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

pub async fn read_trust(source: &mut impl Source) -> Result<TrustReading, SourceError> {
    let height = source.latest_height(Role::Security).await?;
    let mut reading = TrustReading::default();
    let Some(params) = ask::<trust::Params>(
        source,
        "/xcc.trust.v1.Query/Params",
        &trust::QueryParamsRequest {},
        height,
    )
    .await?
    else {
        return Ok(reading);
    };
    reading.params = Some(PowerParams {
        pool: params.pool,
        max_share_bp: params.max_share_bp,
        floor: params.floor,
    });
    reading.window_epochs = params.window_epochs;
    let mut page = xcc_chain::page::PageRequest::default();
    loop {
        let request = trust::QueryPlatformsRequest {
            page: Some(page.clone()),
        };
        let Some(answer) = ask::<trust::QueryPlatformsResponse>(
            source,
            "/xcc.trust.v1.Query/Platforms",
            &request,
            height,
        )
        .await?
        else {
            break;
        };
        for platform in answer.platforms {
            if let Ok(key) = <[u8; 32]>::try_from(platform.validator_key.as_slice()) {
                reading.platform_keys.insert(platform.id, key);
            }
        }
        match answer.page.map(|p| p.next_key).filter(|k| !k.is_empty()) {
            Some(next) if next > page.key => page.key = next,
            _ => break,
        }
    }
    let latest = ask::<trust::Epoch>(
        source,
        "/xcc.trust.v1.Query/Epoch",
        &trust::QueryEpochRequest { number: 0 },
        height,
    )
    .await?;
    let Some(latest) = latest else {
        return Ok(reading);
    };
    let first = latest.number.saturating_sub(EPOCHS_AUDITED - 1).max(1);
    for number in first..=latest.number {
        let Some(epoch) = ask::<trust::Epoch>(
            source,
            "/xcc.trust.v1.Query/Epoch",
            &trust::QueryEpochRequest { number },
            height,
        )
        .await?
        else {
            continue;
        };
        let mut receipt_fees = BTreeMap::new();
        let window_start = number
            .saturating_sub(params.window_epochs.saturating_sub(1))
            .max(1);
        for counted in window_start..=number {
            for fee in receipt_fees_of(source, counted, height).await? {
                *receipt_fees.entry(fee.platform_id).or_insert(0u64) += fee.fee;
            }
        }
        let applied_at = epoch.height + 2;
        let applied = if applied_at <= height {
            source
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

async fn receipt_fees_of(
    source: &mut impl Source,
    epoch: u64,
    height: u64,
) -> Result<Vec<trust::ReceiptFee>, SourceError> {
    let mut all = Vec::new();
    let mut page = xcc_chain::page::PageRequest {
        key: Vec::new(),
        limit: xcc_chain::page::MAX_PAGE_LIMIT,
    };
    loop {
        let request = trust::QueryReceiptFeesRequest {
            epoch,
            page: Some(page.clone()),
        };
        let Some(answer) = ask::<trust::QueryReceiptFeesResponse>(
            source,
            "/xcc.trust.v1.Query/ReceiptFees",
            &request,
            height,
        )
        .await?
        else {
            return Ok(all);
        };
        all.extend(answer.fees);
        match answer.page.map(|p| p.next_key).filter(|k| !k.is_empty()) {
            Some(next) if next > page.key => page.key = next,
            Some(_) => {
                return Err(SourceError::PagesDoNotAdvance {
                    chain: source.chain_id(Role::Security),
                    path: "/xcc.trust.v1.Query/ReceiptFees".into(),
                })
            }
            None => return Ok(all),
        }
    }
}

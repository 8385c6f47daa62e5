//! The practice directory: read-only lookups in Enote (docs/product-rules.md: Enote).

use crate::contract::ContractNumber;
use crate::owner::{OwnerKey, OwnerProfile, Pet};
use async_trait::async_trait;

/// Why a directory lookup failed. Staff see a distinct, plain sentence for each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DirectoryError {
    /// No `ENOTE_*` settings: the bot runs without Enote.
    #[error("Enote is not configured")]
    NotConfigured,
    /// No such contract or owner.
    #[error("not found in Enote")]
    NotFound,
    /// Enote refused our credentials (401/403).
    #[error("Enote refused the credentials")]
    Unauthorized,
    /// Timeout, 5xx, proxy error page or network failure, after retries.
    #[error("Enote is unavailable: {0}")]
    Unavailable(String),
    /// Enote answered something we cannot read. The text never holds secrets.
    #[error("Enote answered something unexpected: {0}")]
    BadResponse(String),
}

/// Enote, as the domain needs it.
///
/// Implementations MUST return [`DirectoryError::NotFound`] for an unknown contract or owner
/// (including 1C's `null` body), MUST drop deleted cards (`DeletionMark`) from
/// [`PracticeDirectory::pets_of_owner`], and MUST NOT put credentials in any error.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PracticeDirectory: Send + Sync {
    /// The owner of the animal card with this contract number.
    async fn owner_by_contract(
        &self,
        contract: &ContractNumber,
    ) -> Result<OwnerKey, DirectoryError>;

    /// The owner's live animal cards, in Enote's order. An owner with no pets → empty list.
    async fn pets_of_owner(&self, owner: &OwnerKey) -> Result<Vec<Pet>, DirectoryError>;

    /// The owner's names and phones (`hs/api/v2/GetClient`).
    async fn owner_profile(&self, owner: &OwnerKey) -> Result<OwnerProfile, DirectoryError>;
}

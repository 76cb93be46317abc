//! Argon2id password hashing. Each hash takes about 19 MiB and tens of milliseconds of a core,
//! so hashes run off the async workers, at most one per core at a time: callers queue for a
//! short while, then get 503 `unavailable` with Retry-After instead of piling up memory.

use std::cell::RefCell;
use std::sync::LazyLock;
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::{AppError, AppResult};
use crate::limits::BlockingPool;

#[derive(Debug)]
pub struct Hasher {
    pool: BlockingPool,
}

impl Hasher {
    /// At most `concurrency` hashes at once; a caller waits at most `queue_wait` for its turn.
    pub fn new(concurrency: usize, queue_wait: Duration) -> std::io::Result<Self> {
        Ok(Self {
            pool: BlockingPool::new("parley-hash", concurrency, queue_wait)?,
        })
    }

    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.pool
            .run(move || {
                hash_with_reused_memory(password.as_bytes())
                    .map_err(|e| AppError::internal(anyhow::anyhow!("hashing failed: {e}")))
            })
            .await?
    }

    /// Whether `password` matches `stored`. With no stored hash (an unknown account) a dummy
    /// hash is checked instead, so the answer costs as much either way and does not reveal who
    /// exists.
    pub async fn verify(&self, password: String, stored: Option<String>) -> AppResult<bool> {
        self.pool
            .run(move || {
                let known = stored.is_some();
                let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
                // A wrong password is `Ok(false)`; an error means the stored hash is unreadable.
                let matches =
                    verify_with_reused_memory(password.as_bytes(), &stored).map_err(|e| {
                        AppError::internal(anyhow::anyhow!("stored hash unreadable: {e}"))
                    })?;
                Ok(known && matches)
            })
            .await?
    }
}

thread_local! {
    /// Argon2's working memory (19 MiB with the default parameters), kept by each hashing thread
    /// and reused by every hash it computes: memory stays at one block per thread, instead of an
    /// allocation per hash that the allocator may keep around afterwards.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn with_blocks<T>(count: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
    BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        if blocks.len() < count {
            blocks.resize(count, Block::default());
        }
        work(&mut blocks[..count])
    })
}

/// `argon2`'s own computation into `out`, on this thread's reused memory.
fn compute(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    len: usize,
) -> argon2::password_hash::Result<Output> {
    Output::init_with(len, |out| {
        with_blocks(argon.params().block_count(), |blocks| {
            argon.hash_password_into_with_memory(password, salt, out, blocks)
        })
        .map_err(Into::into)
    })
}

/// The PHC string `Argon2::default().hash_password` would give, computed on reused memory.
fn hash_with_reused_memory(password: &[u8]) -> argon2::password_hash::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = compute(&argon, password, salt_bytes, len)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches a stored PHC string (any Argon2 variant and parameters), computed
/// on reused memory; the comparison is constant-time (`Output`'s equality).
fn verify_with_reused_memory(password: &[u8], stored: &str) -> argon2::password_hash::Result<bool> {
    let parsed = PasswordHash::new(stored)?;
    let algorithm = Algorithm::try_from(parsed.algorithm)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()?
        .unwrap_or_default();
    let params = Params::try_from(&parsed)?;
    let expected = parsed.hash.ok_or(argon2::password_hash::Error::Password)?;
    let salt = parsed
        .salt
        .ok_or(argon2::password_hash::Error::SaltInvalid(
            argon2::password_hash::errors::InvalidValue::Malformed,
        ))?;
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    let argon = Argon2::new(algorithm, version, params);
    let computed = compute(&argon, password, salt_bytes, expected.len())?;
    Ok(computed == expected)
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(b"not a password anybody has", &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_what_argon2_itself_makes_and_reads() {
        use argon2::PasswordVerifier;
        let ours = hash_with_reused_memory(b"correct horse").expect("hash");
        let parsed = PasswordHash::new(&ours).expect("a PHC string");
        assert!(
            Argon2::default()
                .verify_password(b"correct horse", &parsed)
                .is_ok()
        );
        let salt = SaltString::generate(&mut OsRng);
        let theirs = Argon2::default()
            .hash_password(b"battery staple", &salt)
            .expect("hash")
            .to_string();
        assert_eq!(
            verify_with_reused_memory(b"battery staple", &theirs).ok(),
            Some(true)
        );
        assert_eq!(
            verify_with_reused_memory(b"battery stapler", &theirs).ok(),
            Some(false)
        );
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() -> AppResult<()> {
        let hasher = Hasher::new(2, Duration::from_secs(5)).expect("threads");
        let stored = hasher.hash("correct horse".into()).await?;
        assert!(stored.starts_with("$argon2id$"));
        assert!(
            hasher
                .verify("correct horse".into(), Some(stored.clone()))
                .await?
        );
        assert!(!hasher.verify("wrong horse".into(), Some(stored)).await?);
        assert!(!hasher.verify("anything".into(), None).await?);
        Ok(())
    }
}

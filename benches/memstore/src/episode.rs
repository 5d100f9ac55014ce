//! Episodes (what the store holds), their validation, and their binary encoding in log records and segment files.

use crate::error::MemError;
use crate::vector::{DIM, all_finite, normalize};

/// Identifier the store assigns to an acknowledged episode: its position
/// in the order of acknowledgement, starting at 0.
pub type EpisodeId = u64;

/// An episode as handed to [`crate::MemStore::store`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewEpisode {
    /// The remembered text.
    pub content: String,
    /// Its embedding, [`DIM`] finite values, not all zero. The store
    /// normalises it to unit length, so similarity is the cosine.
    pub embedding: Vec<f32>,
    /// When it happened, in milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// Conversation or agent session it belongs to.
    pub session_id: String,
    /// Consolidation score in [0, 1]: how strongly the memory has been
    /// consolidated. Searches can require a minimum (`kappa_min`).
    pub kappa: f32,
}

/// A stored episode.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    pub id: EpisodeId,
    pub content: String,
    /// Unit-length embedding.
    pub embedding: Vec<f32>,
    pub timestamp_ms: i64,
    pub session_id: String,
    pub kappa: f32,
}

impl NewEpisode {
    /// Checks the episode and turns it into a stored one with `id`.
    pub(crate) fn into_episode(self, id: EpisodeId) -> Result<Episode, MemError> {
        if self.embedding.len() != DIM {
            return Err(MemError::InvalidEpisode(format!(
                "embedding has {} dimensions, expected {DIM}",
                self.embedding.len()
            )));
        }
        if !all_finite(&self.embedding) {
            return Err(MemError::InvalidEpisode(
                "embedding has a non-finite value".into(),
            ));
        }
        if !(0.0..=1.0).contains(&self.kappa) {
            return Err(MemError::InvalidEpisode(format!(
                "kappa {} is outside [0, 1]",
                self.kappa
            )));
        }
        if self.content.len() > MAX_TEXT_BYTES || self.session_id.len() > MAX_TEXT_BYTES {
            return Err(MemError::InvalidEpisode(format!(
                "content or session id longer than {MAX_TEXT_BYTES} bytes"
            )));
        }
        let mut embedding = self.embedding;
        if normalize(&mut embedding) <= 0.0 {
            return Err(MemError::InvalidEpisode("embedding is all zeros".into()));
        }
        Ok(Episode {
            id,
            content: self.content,
            embedding,
            timestamp_ms: self.timestamp_ms,
            session_id: self.session_id,
            kappa: self.kappa,
        })
    }
}

/// Longest content or session id accepted: 16 MiB keeps every length
/// within the `u32` fields of the encoding with room to spare, and no
/// episode of a memory service comes near it.
pub const MAX_TEXT_BYTES: usize = 16 << 20;

impl Episode {
    /// Appends the episode's encoding to `out`: id, timestamp, kappa,
    /// session id and content (each `u32` length-prefixed), embedding;
    /// little-endian throughout.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.id.to_le_bytes());
        out.extend_from_slice(&self.timestamp_ms.to_le_bytes());
        out.extend_from_slice(&self.kappa.to_le_bytes());
        put_str(out, &self.session_id);
        put_str(out, &self.content);
        // Sized once and filled in place: a four-byte `extend` per component
        // checked the capacity 384 times and did not vectorise.
        let start = out.len();
        out.resize(start + self.embedding.len() * 4, 0);
        for (bytes, x) in out[start..].chunks_exact_mut(4).zip(&self.embedding) {
            bytes.copy_from_slice(&x.to_le_bytes());
        }
    }

    /// Decodes one episode written by [`Episode::encode`] from the front of
    /// `reader`.
    pub(crate) fn decode(reader: &mut Reader<'_>) -> Result<Self, String> {
        let id = reader.u64()?;
        let timestamp_ms = reader.i64()?;
        let kappa = reader.f32()?;
        let session_id = reader.string()?;
        let content = reader.string()?;
        let mut embedding = Vec::with_capacity(DIM);
        for _ in 0..DIM {
            embedding.push(reader.f32()?);
        }
        Ok(Self {
            id,
            content,
            embedding,
            timestamp_ms,
            session_id,
            kappa,
        })
    }
}

pub(crate) fn put_str(out: &mut Vec<u8>, s: &str) {
    // Lengths were bounded by MAX_TEXT_BYTES on the way in.
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A cursor over a byte slice whose reads fail (with a message) instead of
/// panicking when the bytes run out.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err(format!("needed {n} more bytes, {} left", self.bytes.len()));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.array::<1>()?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub(crate) fn i64(&mut self) -> Result<i64, String> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub(crate) fn f32(&mut self) -> Result<f32, String> {
        Ok(f32::from_le_bytes(self.array()?))
    }

    pub(crate) fn string(&mut self) -> Result<String, String> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        String::from_utf8(bytes.to_vec()).map_err(|e| format!("text is not UTF-8: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_episode() -> NewEpisode {
        NewEpisode {
            content: "met Ana at the harbour".into(),
            embedding: (0..DIM).map(|i| i as f32 - 100.0).collect(),
            timestamp_ms: 1_700_000_000_000,
            session_id: "s-1".into(),
            kappa: 0.25,
        }
    }

    #[test]
    fn encoding_round_trips() {
        let episode = new_episode().into_episode(7).unwrap();
        let mut bytes = Vec::new();
        episode.encode(&mut bytes);
        let mut reader = Reader::new(&bytes);
        assert_eq!(Episode::decode(&mut reader).unwrap(), episode);
        assert!(reader.is_empty());
        let mut short = Reader::new(&bytes[..bytes.len() - 1]);
        assert!(Episode::decode(&mut short).is_err());
    }

    #[test]
    fn bad_episodes_are_refused() {
        let mut e = new_episode();
        e.embedding.pop();
        assert!(e.into_episode(0).is_err());
        let mut e = new_episode();
        e.kappa = 1.5;
        assert!(e.into_episode(0).is_err());
        let mut e = new_episode();
        e.embedding = vec![0.0; DIM];
        assert!(e.into_episode(0).is_err());
        let mut e = new_episode();
        e.embedding[3] = f32::NAN;
        assert!(e.into_episode(0).is_err());
    }
}

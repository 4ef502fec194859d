//! The fast path's active contexts: JSON-LD 1.1 context processing (§4.1) and term definitions
//! (§4.2) for the features the compiled-in contexts use, with processed contexts cached.
//!
//! Anything outside that subset (`@import`, `@base`, `@language`, `@reverse`, `@nest`, null
//! contexts, protected-term redefinitions, …) is [`Unsupported`]: the caller falls back to the
//! general path, which either handles it or reports the error.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};

use super::iri::{is_absolute_iri, is_keyword, looks_like_keyword};
use crate::contexts::Contexts;

/// Why the fast path declined a document (the general path takes it instead).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

pub(crate) type Fast<T> = Result<T, Unsupported>;

/// How a term's string values are read (JSON-LD 1.1 §4.2.2 step 13, type mapping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeMap {
    None,
    Id,
    Vocab,
    Json,
    Datatype(Arc<str>),
}

/// The container mappings the fast path expands (§4.2.2 step 19).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Container {
    None,
    List,
    Graph,
}

/// A term's scoped context, with an identity for the cache.
#[derive(Debug, Clone)]
pub(crate) struct Scoped {
    id: u64,
    value: Arc<Value>,
}

impl PartialEq for Scoped {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id || self.value == other.value
    }
}

/// One term definition (§4.2.2).
#[derive(Debug, Clone)]
pub(crate) struct Term {
    /// The IRI mapping, or the keyword this term aliases.
    pub(crate) iri: Arc<str>,
    pub(crate) type_map: TypeMap,
    pub(crate) container: Container,
    pub(crate) scoped: Option<Scoped>,
    protected: bool,
    prefix: bool,
}

impl Term {
    /// §4.1.2 step 5.13.2 / §4.2.2 step 27: the same definition, the protected flag aside.
    fn same_definition(&self, other: &Term) -> bool {
        self.iri == other.iri
            && self.type_map == other.type_map
            && self.container == other.container
            && self.scoped == other.scoped
            && self.prefix == other.prefix
    }
}

/// An active context (§4.1): term definitions, vocabulary mapping and the previous context a
/// type-scoped context reverts to.
#[derive(Debug)]
pub(crate) struct ActiveContext {
    id: u64,
    /// Derived only from compiled-in contexts, so results built on it may be cached.
    cacheable: bool,
    terms: HashMap<Arc<str>, Term>,
    vocab: Option<Arc<str>>,
    pub(crate) previous: Option<Arc<ActiveContext>>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

impl ActiveContext {
    fn empty() -> Self {
        ActiveContext {
            id: next_id(),
            cacheable: true,
            terms: HashMap::new(),
            vocab: None,
            previous: None,
        }
    }

    pub(crate) fn term(&self, key: &str) -> Option<&Term> {
        self.terms.get(key)
    }
}

/// What a processed context is cached under: the context it was applied to, what was applied
/// (a context URL list or a scoped context), and how.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum CacheKey {
    Urls(u64, String),
    Scoped(u64, u64, bool, bool),
}

/// The compiled-in contexts and every active context derived from them, processed once each.
#[derive(Debug)]
pub(crate) struct ContextCache {
    contexts: Contexts,
    initial: Arc<ActiveContext>,
    cache: RwLock<HashMap<CacheKey, Arc<ActiveContext>>>,
}

/// Bounds the cache: only compiled-in contexts and their scoped contexts are cached, so the
/// number of combinations is small; the cap is a guard, not a policy.
const MAX_CACHED: usize = 4096;

impl ContextCache {
    pub(crate) fn new(contexts: Contexts) -> Self {
        ContextCache {
            contexts,
            initial: Arc::new(ActiveContext::empty()),
            cache: RwLock::new(HashMap::new()),
        }
    }

    pub(crate) fn initial(&self) -> &Arc<ActiveContext> {
        &self.initial
    }

    /// Applies a document's `@context` value (§4.1 with defaults) to `active`.
    pub(crate) fn apply(
        &self,
        active: &Arc<ActiveContext>,
        local: &Value,
    ) -> Fast<Arc<ActiveContext>> {
        let urls = urls_key(local);
        let inline = urls.is_none();
        let key = urls.map(|urls| CacheKey::Urls(active.id, urls));
        self.cached(active, key, || {
            let mut result = self.process(active, local, false, true)?;
            // A document's own inline context makes every context built on it the document's.
            result.cacheable &= !inline;
            Ok(result)
        })
    }

    /// Applies a term's scoped context: property-scoped (override protected) or type-scoped (not
    /// propagated).
    pub(crate) fn apply_scoped(
        &self,
        active: &Arc<ActiveContext>,
        scoped: &Scoped,
        override_protected: bool,
        propagate: bool,
    ) -> Fast<Arc<ActiveContext>> {
        let key = CacheKey::Scoped(active.id, scoped.id, override_protected, propagate);
        self.cached(active, Some(key), || {
            self.process(active, &scoped.value, override_protected, propagate)
        })
    }

    fn cached(
        &self,
        active: &Arc<ActiveContext>,
        key: Option<CacheKey>,
        compute: impl FnOnce() -> Fast<ActiveContext>,
    ) -> Fast<Arc<ActiveContext>> {
        let key = key.filter(|_| active.cacheable);
        if let Some(key) = &key {
            if let Some(hit) = self.cache.read().ok().and_then(|c| c.get(key).cloned()) {
                return Ok(hit);
            }
        }
        let result = Arc::new(compute()?);
        if let Some(key) = key.filter(|_| result.cacheable) {
            if let Ok(mut cache) = self.cache.write() {
                if cache.len() < MAX_CACHED {
                    cache.insert(key, result.clone());
                }
            }
        }
        Ok(result)
    }

    /// JSON-LD 1.1 §4.1.2, Context Processing, for the supported subset.
    fn process(
        &self,
        active: &Arc<ActiveContext>,
        local: &Value,
        override_protected: bool,
        propagate: bool,
    ) -> Fast<ActiveContext> {
        let mut result = ActiveContext {
            id: next_id(),
            cacheable: active.cacheable,
            terms: active.terms.clone(),
            vocab: active.vocab.clone(),
            previous: active.previous.clone(),
        };
        // Step 3: an explicit @propagate is outside the subset.
        if local.get("@propagate").is_some() {
            return Err(Unsupported("@propagate"));
        }
        // Step 4: a context that does not propagate remembers the one it was applied to.
        if !propagate && result.previous.is_none() {
            result.previous = Some(active.clone());
        }
        let items = match local {
            Value::Array(items) => items.as_slice(),
            other => std::slice::from_ref(other),
        };
        for item in items {
            match item {
                Value::String(url) => {
                    let remote = self
                        .contexts
                        .local_context(url)
                        .ok_or(Unsupported("context not compiled in"))?
                        .clone();
                    // None of the compiled-in contexts loads another; declining one that does
                    // also rules out a context that includes itself (§4.1.2 step 5.2.2).
                    let nested = match remote.as_ref() {
                        Value::Array(items) => items.iter().any(Value::is_string),
                        other => other.is_string(),
                    };
                    if nested {
                        return Err(Unsupported("a remote context that loads another"));
                    }
                    // Step 5.2.6: a remote context is processed with default options.
                    result = self.process(&Arc::new(result), &remote, false, true)?;
                }
                // Step 5.1: null resets to the initial context, which a protected term forbids
                // unless the context is property-scoped (VC 2.0's `verifiableCredential`).
                Value::Null => {
                    if !override_protected && result.terms.values().any(|t| t.protected) {
                        return Err(Unsupported("nullifying protected terms"));
                    }
                    let previous = if propagate {
                        None
                    } else {
                        result.previous.take()
                    };
                    result = ActiveContext {
                        cacheable: result.cacheable,
                        previous,
                        ..ActiveContext::empty()
                    };
                }
                Value::Object(map) => {
                    self.process_map(&mut result, map, override_protected)?;
                }
                _ => return Err(Unsupported("context entry is not a URL, an object or null")),
            }
        }
        Ok(result)
    }

    fn process_map(
        &self,
        result: &mut ActiveContext,
        map: &Map<String, Value>,
        override_protected: bool,
    ) -> Fast<()> {
        for key in map.keys() {
            match key.as_str() {
                "@version" | "@protected" | "@vocab" => {}
                k if k.starts_with('@') => return Err(Unsupported("context keyword")),
                _ => {}
            }
        }
        if let Some(version) = map.get("@version") {
            // Step 5.5: only 1.1 is a valid version.
            if version.as_f64() != Some(1.1) {
                return Err(Unsupported("@version"));
            }
        }
        match map.get("@vocab") {
            None => {}
            Some(Value::Null) => result.vocab = None,
            Some(Value::String(v)) => {
                let expanded = expand_iri(result, v, true)?;
                if !is_absolute_iri(&expanded) {
                    return Err(Unsupported("@vocab is not an absolute IRI"));
                }
                result.vocab = Some(expanded);
            }
            Some(_) => return Err(Unsupported("@vocab")),
        }
        let protected = match map.get("@protected") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Unsupported("@protected")),
        };
        let mut defining = Defining {
            local: map,
            defined: HashMap::new(),
            protected,
            override_protected,
        };
        for key in map.keys() {
            if !key.starts_with('@') {
                self.define(result, &mut defining, key)?;
            }
        }
        Ok(())
    }

    /// JSON-LD 1.1 §4.2.2, Create Term Definition, for the supported subset.
    fn define(&self, result: &mut ActiveContext, d: &mut Defining<'_>, term: &str) -> Fast<()> {
        match d.defined.get(term) {
            Some(true) => return Ok(()),
            Some(false) => return Err(Unsupported("cyclic IRI mapping")),
            None => {}
        }
        if term.is_empty() {
            return Err(Unsupported("empty term"));
        }
        d.defined.insert(term.to_owned(), false);
        let value = &d.local[term];
        let previous = result.terms.remove(term);
        let (map, simple) = match value {
            Value::String(_) => (None, true),
            Value::Object(m) => (Some(m), false),
            _ => return Err(Unsupported("term definition is not a string or an object")),
        };
        if let Some(m) = map {
            for key in m.keys() {
                if !matches!(
                    key.as_str(),
                    "@id" | "@type" | "@container" | "@context" | "@protected"
                ) {
                    return Err(Unsupported("term definition keyword"));
                }
            }
        }
        let get = |k: &str| map.and_then(|m| m.get(k));
        let protected = match get("@protected") {
            None => d.protected,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(Unsupported("@protected")),
        };
        let type_map = match get("@type") {
            None => TypeMap::None,
            Some(Value::String(t)) => match t.as_str() {
                "@id" => TypeMap::Id,
                "@vocab" => TypeMap::Vocab,
                "@json" => TypeMap::Json,
                _ => {
                    let iri = self.expand_defining(result, d, t, true)?;
                    if !is_absolute_iri(&iri) {
                        return Err(Unsupported("type mapping is not an absolute IRI"));
                    }
                    TypeMap::Datatype(iri)
                }
            },
            Some(_) => return Err(Unsupported("type mapping is not a string")),
        };
        let id = match value {
            Value::String(s) => Some(s.as_str()),
            _ => match get("@id") {
                None => None,
                Some(Value::String(s)) => Some(s.as_str()),
                Some(_) => return Err(Unsupported("@id is not a string")),
            },
        };
        let mut prefix = false;
        let iri: Arc<str> = match id {
            Some(id) if id != term => {
                if looks_like_keyword(id) && !is_keyword(id) {
                    return Err(Unsupported("keyword-like @id"));
                }
                let iri = self.expand_defining(result, d, id, true)?;
                if iri.as_ref() == "@context" || !(is_keyword(&iri) || is_absolute_iri(&iri)) {
                    return Err(Unsupported("IRI mapping"));
                }
                // Step 14.2.3: a term that looks like a compact IRI or an IRI is outside the subset.
                if term.contains(':') || term.contains('/') {
                    return Err(Unsupported("term that looks like an IRI"));
                }
                // Step 14.2.4: a simple term whose IRI ends with a gen-delim is a prefix.
                prefix = simple && iri.ends_with([':', '/', '?', '#', '[', ']', '@']);
                iri
            }
            Some(_) => return Err(Unsupported("@id equal to its term")),
            None => {
                if let Some((pfx, suffix)) = term.split_once(':') {
                    // Step 16: a compact IRI or an absolute IRI as the term.
                    if pfx == "_" || suffix.starts_with("//") {
                        return Err(Unsupported("blank node or hierarchical term"));
                    }
                    if d.local.contains_key(pfx) {
                        self.define(result, d, pfx)?;
                    }
                    match result.terms.get(pfx) {
                        Some(t) if t.prefix => format!("{}{suffix}", t.iri).into(),
                        _ if is_absolute_iri(term) => term.into(),
                        _ => return Err(Unsupported("compact IRI term")),
                    }
                } else if term.contains('/') {
                    return Err(Unsupported("relative IRI term"));
                } else if let Some(vocab) = &result.vocab {
                    format!("{vocab}{term}").into()
                } else {
                    return Err(Unsupported("term without IRI mapping"));
                }
            }
        };
        let container = match get("@container") {
            None => Container::None,
            Some(c) => container(c)?,
        };
        let scoped = match get("@context") {
            None => None,
            Some(c) => {
                // Step 21.3: the scoped context must itself be valid.
                let shared = Arc::new(ActiveContext {
                    id: next_id(),
                    cacheable: false,
                    terms: result.terms.clone(),
                    vocab: result.vocab.clone(),
                    previous: None,
                });
                self.process(&shared, c, true, true)?;
                Some(Scoped {
                    id: next_id(),
                    value: Arc::new(c.clone()),
                })
            }
        };
        let mut definition = Term {
            iri,
            type_map,
            container,
            scoped,
            protected,
            prefix,
        };
        if let Some(previous) = previous {
            if previous.protected && !d.override_protected {
                // Step 27: a protected term may only be redefined identically.
                if !definition.same_definition(&previous) {
                    return Err(Unsupported("protected term redefinition"));
                }
                definition = previous;
            }
        }
        result.terms.insert(term.into(), definition);
        d.defined.insert(term.to_owned(), true);
        Ok(())
    }

    /// IRI expansion while a context is being processed: terms of the local context are defined
    /// first when the value names them (§5.2.2 steps 3 and 6.3).
    fn expand_defining(
        &self,
        result: &mut ActiveContext,
        d: &mut Defining<'_>,
        value: &str,
        vocab: bool,
    ) -> Fast<Arc<str>> {
        if d.local.contains_key(value) && d.defined.get(value) != Some(&true) {
            self.define(result, d, value)?;
        }
        if let Some((pfx, _)) = value.split_once(':') {
            if d.local.contains_key(pfx) && d.defined.get(pfx) != Some(&true) {
                self.define(result, d, pfx)?;
            }
        }
        expand_iri(result, value, vocab)
    }
}

struct Defining<'a> {
    local: &'a Map<String, Value>,
    defined: HashMap<String, bool>,
    protected: bool,
    override_protected: bool,
}

fn container(value: &Value) -> Fast<Container> {
    let one = |s: &str| match s {
        "@set" => Ok(Container::None),
        "@list" => Ok(Container::List),
        "@graph" => Ok(Container::Graph),
        _ => Err(Unsupported("container mapping")),
    };
    match value {
        Value::String(s) => one(s),
        Value::Array(items) => {
            let mut out = Container::None;
            for item in items {
                match item.as_str().map(one) {
                    Some(Ok(Container::None)) => {}
                    Some(Ok(Container::Graph)) if out == Container::None => out = Container::Graph,
                    _ => return Err(Unsupported("container mapping")),
                }
            }
            Ok(out)
        }
        _ => Err(Unsupported("container mapping")),
    }
}

/// The cache key of a context value made only of URLs (compiled-in contexts).
fn urls_key(local: &Value) -> Option<String> {
    match local {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => {
            let mut key = String::new();
            for item in items {
                key.push_str(item.as_str()?);
                key.push('\u{0}');
            }
            Some(key)
        }
        _ => None,
    }
}

/// JSON-LD 1.1 §5.2.2, IRI Expansion, without a base IRI: `vocab` for keys, types and
/// `@vocab`-typed values; a document-relative value must already be absolute (there is no base).
pub(crate) fn expand_iri(active: &ActiveContext, value: &str, vocab: bool) -> Fast<Arc<str>> {
    if is_keyword(value) {
        return Ok(value.into());
    }
    if looks_like_keyword(value) {
        return Err(Unsupported("keyword-like value"));
    }
    if let Some(term) = active.terms.get(value) {
        if is_keyword(&term.iri) || vocab {
            return Ok(term.iri.clone());
        }
    }
    if let Some((pfx, suffix)) = value.split_once(':') {
        if pfx == "_" {
            return Err(Unsupported("blank node identifier"));
        }
        if !suffix.starts_with("//") {
            if let Some(term) = active.terms.get(pfx).filter(|t| t.prefix) {
                return Ok(format!("{}{suffix}", term.iri).into());
            }
        }
        if is_absolute_iri(value) {
            return Ok(value.into());
        }
        return Err(Unsupported("not an IRI"));
    }
    if vocab {
        if let Some(v) = &active.vocab {
            return Ok(format!("{v}{value}").into());
        }
    }
    Err(Unsupported("undefined term or relative IRI"))
}

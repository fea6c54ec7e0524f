//! Where each field of a YAML document is: path (`workloads[0].request.memory_mb`, as serde_yaml
//! spells it) -> line/column of its key and its value. Built from yaml-rust2's marked events.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// 1-based line and column.
pub type Pos = (usize, usize);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    key: Option<Pos>,
    value: Pos,
}

/// The deepest nesting of mappings and sequences a document may have. A profile needs six
/// levels; the cap keeps a hostile file (40 KB of `- - - …` or `[[[…`) from exhausting the
/// parsers' stacks or time.
pub const MAX_DEPTH: usize = 32;

/// Positions of the keys and values of one YAML document.
#[derive(Debug, Default, Clone)]
pub struct PositionMap {
    entries: HashMap<String, Entry>,
    /// A shape no profile or sidecar may have (nesting past [`MAX_DEPTH`], a second
    /// document), where it starts: checked before any other parser reads the text.
    problem: Option<(Pos, String)>,
}

impl PositionMap {
    /// Build the map for the first document of `text`, reading its events one by one (the
    /// parser's own loader recurses once per level). Never fails: on a YAML error the map
    /// holds what was read before it (serde_yaml reports the error); nesting past
    /// [`MAX_DEPTH`] or a second document stops it and is its [`problem`](Self::problem).
    pub fn build(text: &str) -> Self {
        if let Some(problem) = flow_too_deep(text) {
            return PositionMap {
                entries: HashMap::new(),
                problem: Some(problem),
            };
        }
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        let (mut depth, mut documents) = (0usize, 0usize);
        let mut problem = None;
        while let Ok((ev, mark)) = parser.next_token() {
            match ev {
                Event::StreamEnd => break,
                Event::DocumentStart => {
                    documents += 1;
                    if documents > 1 {
                        problem = Some((
                            pos(mark),
                            "a second YAML document (`---`): the file must hold one document"
                                .to_string(),
                        ));
                        break;
                    }
                }
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        problem =
                            Some((pos(mark), format!("nested deeper than {MAX_DEPTH} levels")));
                        break;
                    }
                }
                Event::MappingEnd | Event::SequenceEnd => depth = depth.saturating_sub(1),
                _ => {}
            }
            builder.on_event(ev, mark);
        }
        PositionMap {
            entries: builder.entries,
            problem,
        }
    }

    /// A shape the file may not have, found while building: where, and what.
    pub fn problem(&self) -> Option<&(Pos, String)> {
        self.problem.as_ref()
    }

    /// Whether the document holds this exact path.
    pub fn contains(&self, path: &str) -> bool {
        self.entries.contains_key(path)
    }

    /// Position of the value at `path`, or of its nearest ancestor present in the file.
    pub fn value(&self, path: &str) -> Pos {
        self.find(path, |e| e.value)
    }

    /// Position of the key at `path` (the value's position for sequence items), or of its
    /// nearest ancestor present in the file.
    pub fn key(&self, path: &str) -> Pos {
        self.find(path, |e| e.key.unwrap_or(e.value))
    }

    fn find(&self, path: &str, pick: impl Fn(&Entry) -> Pos) -> Pos {
        let mut p = path;
        loop {
            if let Some(e) = self.entries.get(p) {
                return pick(e);
            }
            if p.is_empty() {
                return (1, 1);
            }
            p = parent(p);
        }
    }
}

/// Where flow collections (`[`, `{`) open deeper than [`MAX_DEPTH`], found by a scan of the
/// text that skips quoted scalars and comments. Run before any parser: YAML scanners look
/// ahead through a whole flow collection for a possible `key:`, so `[[[[…` costs them time
/// quadratic in its depth (200 KB took a minute) before the first event arrives.
fn flow_too_deep(text: &str) -> Option<(Pos, String)> {
    let (mut line, mut col) = (1usize, 0usize);
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let (mut comment, mut escaped, mut prev) = (false, false, '\n');
    for c in text.chars() {
        if c == '\n' {
            (line, col) = (line + 1, 0);
            comment = false;
            prev = c;
            continue;
        }
        col += 1;
        match quote {
            _ if comment => {}
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '#' if prev.is_whitespace() => comment = true,
                '"' | '\'' => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some((
                            (line, col),
                            format!("nested deeper than {MAX_DEPTH} levels"),
                        ));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            },
        }
        prev = c;
    }
    None
}

/// `a.b[2].c` -> `a.b[2]` -> `a.b` -> `a` -> ``.
pub fn parent(path: &str) -> &str {
    let cut = path.rfind(['.', '[']).unwrap_or(0);
    &path[..cut]
}

/// Join a parent path and a key the way serde_yaml does.
pub fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() || parent == "." {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

enum Frame {
    Map {
        path: String,
        /// The key read, waiting for its value.
        key: Option<(String, Pos)>,
        /// Whether the next node is a key.
        want_key: bool,
        /// Non-scalar key being skipped.
        complex_key: bool,
    },
    Seq {
        path: String,
        index: usize,
    },
}

#[derive(Default)]
struct Builder {
    entries: HashMap<String, Entry>,
    stack: Vec<Frame>,
    /// Path of the mapping just started, to move its mark to its first key (block mappings
    /// are marked after their first key).
    fresh_map: Option<String>,
    done: bool,
}

fn pos(m: Marker) -> Pos {
    (m.line().max(1), m.col() + 1)
}

impl Builder {
    /// A node starts at `mark`: returns its path (None when it is a key or inside a complex key).
    fn begin(&mut self, mark: Pos, scalar: Option<&str>) -> Option<String> {
        match self.stack.last_mut() {
            None => {
                if self.done {
                    return None;
                }
                self.entries.insert(
                    String::new(),
                    Entry {
                        key: None,
                        value: mark,
                    },
                );
                Some(String::new())
            }
            Some(Frame::Seq { path, index }) => {
                let p = format!("{path}[{index}]");
                self.entries.insert(
                    p.clone(),
                    Entry {
                        key: None,
                        value: mark,
                    },
                );
                Some(p)
            }
            Some(Frame::Map {
                path,
                key,
                want_key,
                complex_key,
            }) => {
                if *want_key {
                    match scalar {
                        Some(s) => *key = Some((s.to_string(), mark)),
                        None => *complex_key = true,
                    }
                    None
                } else if *complex_key {
                    None
                } else {
                    let (k, kpos) = key.take().unwrap_or_default();
                    let p = join(path, &k);
                    self.entries.insert(
                        p.clone(),
                        Entry {
                            key: Some(kpos),
                            value: mark,
                        },
                    );
                    Some(p)
                }
            }
        }
    }

    /// A node (scalar, alias or whole container) is complete: advance its parent.
    fn end(&mut self) {
        match self.stack.last_mut() {
            None => self.done = true,
            Some(Frame::Seq { index, .. }) => *index += 1,
            Some(Frame::Map {
                want_key,
                complex_key,
                ..
            }) => {
                if !*want_key {
                    *complex_key = false;
                }
                *want_key = !*want_key;
            }
        }
    }

    fn in_complex_key(&self) -> bool {
        self.stack.iter().any(|f| {
            matches!(
                f,
                Frame::Map {
                    complex_key: true,
                    ..
                }
            )
        })
    }
}

impl Builder {
    /// A block mapping is marked after its first key: move its mark to the first node in it.
    fn settle_fresh_map(&mut self, at: Pos) {
        if let Some(map) = self.fresh_map.take()
            && let Some(e) = self.entries.get_mut(&map)
            && at < e.value
        {
            e.value = at;
        }
    }

    /// An empty value (`traffic:` and nothing) is marked at the next token, often lines
    /// below: point at its key instead.
    fn empty_value_at_key(&mut self, path: &str) {
        if let Some(e) = self.entries.get_mut(path)
            && let Some(k) = e.key
            && e.value.0 > k.0
        {
            e.value = k;
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let at = pos(mark);
        match ev {
            Event::Scalar(s, style, ..) => {
                let empty = (s.is_empty() || s == "~") && style == TScalarStyle::Plain;
                self.settle_fresh_map(at);
                if !self.in_complex_key()
                    && let Some(path) = self.begin(at, Some(&s))
                    && empty
                {
                    self.empty_value_at_key(&path);
                }
                self.end();
            }
            Event::Alias(_) => {
                self.fresh_map = None;
                if !self.in_complex_key() {
                    self.begin(at, None);
                }
                self.end();
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_map = matches!(ev, Event::MappingStart(..));
                self.settle_fresh_map(at);
                let path = if self.in_complex_key() {
                    None
                } else {
                    self.begin(at, None)
                };
                // Inside a complex key, children get a path that is never looked up.
                let path = path.unwrap_or_else(|| "\u{0}".to_string());
                if is_map {
                    self.fresh_map = Some(path.clone());
                    self.stack.push(Frame::Map {
                        path,
                        key: None,
                        want_key: true,
                        complex_key: false,
                    });
                } else {
                    self.stack.push(Frame::Seq { path, index: 0 });
                }
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.fresh_map = None;
                self.stack.pop();
                self.end();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_paths_to_positions() {
        let t = "version: 1\nworkloads:\n  - name: a\n    req: { x: 1 }\n    list:\n      - 5\n";
        let m = PositionMap::build(t);
        assert_eq!(m.value("version"), (1, 10));
        assert_eq!(m.key("version"), (1, 1));
        assert_eq!(m.value("workloads[0]"), (3, 5));
        assert_eq!(m.value("workloads[0].name"), (3, 11));
        assert_eq!(m.value("workloads[0].req"), (4, 10));
        assert_eq!(m.value("workloads[0].req.x"), (4, 15));
        assert_eq!(m.value("workloads[0].list[0]"), (6, 9));
        assert_eq!(m.value(""), (1, 1));
        // Missing paths fall back to the nearest ancestor.
        assert_eq!(m.value("workloads[0].traffic.rps"), (3, 5));
    }

    #[test]
    fn empty_values_point_at_their_key() {
        let m = PositionMap::build(
            "a:
  b:

c: ~
",
        );
        assert_eq!(m.value("a.b"), (2, 3));
        assert_eq!(m.value("c"), (4, 4));
    }

    #[test]
    fn complex_keys_are_skipped() {
        let t = "? [a, b]\n: 1\nc: 2\n";
        let m = PositionMap::build(t);
        assert_eq!(m.value("c"), (3, 4));
    }

    #[test]
    fn parent_paths() {
        assert_eq!(parent("a.b[2].c"), "a.b[2]");
        assert_eq!(parent("a.b[2]"), "a.b");
        assert_eq!(parent("a"), "");
    }
}

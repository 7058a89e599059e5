//! Writes a claim fixture: `fixture --kind KIND --seed N --out DIR [--claim valid|invalid]`.
//! Without `--claim`, both claims: `DIR/valid` and `DIR/invalid`.

use std::path::PathBuf;
use std::time::Instant;
use verdict_testchain::fixture::{generate, Kind};
use verdict_testchain::{Error, Expected};

const USAGE: &str = "usage: fixture --kind KIND --seed N --out DIR [--claim valid|invalid]
kinds: one-block, hundred-blocks, fork, l1-short, blobs, at-or-below, granite";

fn run() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let (mut kind, mut seed, mut out, mut claim) = (None, None, None, None);
    while let Some(a) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| Error::new(format!("{a} needs a value\n{USAGE}")))
        };
        match a.as_str() {
            "--kind" => kind = Some(Kind::parse(&value()?)?),
            "--seed" => {
                let v = value()?;
                seed = Some(
                    v.parse::<u64>()
                        .map_err(|e| Error::new(format!("--seed {v}: {e}")))?,
                )
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "--claim" => {
                claim = Some(match value()?.as_str() {
                    "valid" => Expected::Valid,
                    "invalid" => Expected::Invalid,
                    v => return Err(Error::new(format!("--claim {v}: valid or invalid"))),
                })
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            _ => return Err(Error::new(format!("unknown argument {a}\n{USAGE}"))),
        }
    }
    let missing = |what: &str| Error::new(format!("{what} is required\n{USAGE}"));
    let (kind, seed, out) = (
        kind.ok_or_else(|| missing("--kind"))?,
        seed.ok_or_else(|| missing("--seed"))?,
        out.ok_or_else(|| missing("--out"))?,
    );
    let start = Instant::now();
    let (world, claims) = generate(kind, seed)?;
    let built = start.elapsed();
    for c in &claims {
        let dir = match (claim, c.expected) {
            (Some(want), got) if want != got => continue,
            (Some(_), _) => out.clone(),
            (None, Expected::Valid) => out.join("valid"),
            (None, Expected::Invalid) => out.join("invalid"),
        };
        c.write(&dir, &world.preimages)?;
        println!("{}: {}", dir.display(), c.description);
    }
    eprintln!(
        "{} L1 blocks, {} L2 blocks, {} preimages; built in {built:?}, written in {:?}",
        world.l1.headers.len(),
        world.l2.blocks.len(),
        world.preimages.0.len(),
        start.elapsed() - built
    );
    Ok(())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("fixture: {e}");
        std::process::exit(1);
    }
}

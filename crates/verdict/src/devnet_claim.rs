//! `verdict devnet claim`: the fault proof program judges an output root of the running local
//! chain in the VM (or natively), its preimages fetched by the online host from anvil and the L2
//! node and kept in the data directory's store; `--offline` judges the same claim again from the
//! store alone, with the chain stopped.
//!
//! Files, under `<data>/claims/`:
//! ```text
//!   claim.bin.gz, meta.json   the program's prestate (`vm load-elf` of the claim ELF, each run)
//!   store/                    the host's preimage store (redb)
//!   <name>.json               the claim's inputs (L1 head, agreed and claimed outputs)
//!   <name>.out.json           the VM's final state
//! ```

use anyhow::{bail, Context};
use clap::Args;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use verdict_l1::devnet::{write_atomic, DataDir, Endpoints};
use verdict_rpc::{Client, ClientConfig};

/// Arguments of `devnet claim`.
#[derive(Args)]
pub struct ClaimArgs {
    /// The devnet's data directory.
    #[arg(long)]
    data_dir: PathBuf,
    /// The claimed L2 block (default: the proposer's latest output).
    #[arg(long)]
    block: Option<u64>,
    /// The agreed L2 block (default: the claimed block less the proposer's interval, 10).
    #[arg(long)]
    agreed_block: Option<u64>,
    /// Claim a wrong output root (the true one with its last byte flipped): INVALID expected.
    #[arg(long)]
    wrong: bool,
    /// Judge a claim made before, from the store alone (no node is asked).
    #[arg(long)]
    offline: bool,
    /// Run the program natively over the host (`host --native`) instead of in the VM.
    #[arg(long)]
    native: bool,
    /// The fault proof program's RISC-V ELF (scripts/build-guests.sh builds it).
    #[arg(long, default_value = "guests/build/claim.elf")]
    elf: PathBuf,
    /// Seconds to wait for the claimed block to be safe on the node (0: refuse at once).
    #[arg(long, default_value_t = 60)]
    safe_wait: u64,
}

/// A claim about the devnet: what the program is booted with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ClaimInputs {
    l1_head: String,
    agreed_block: u64,
    agreed_output_root: String,
    claimed_block: u64,
    claimed_output_root: String,
    l2_chain_id: u64,
}

/// Runs `devnet claim`; exits with the program's code (0 VALID, 1 INVALID, 3-5 cannot tell).
pub fn run(a: ClaimArgs) -> anyhow::Result<()> {
    let dir = DataDir(a.data_dir.clone());
    let claims = a.data_dir.join("claims");
    std::fs::create_dir_all(&claims).with_context(|| format!("creating {}", claims.display()))?;
    let endpoints = if a.offline {
        None
    } else {
        Some(read_endpoints(&dir)?)
    };
    let block = match a.block {
        Some(b) => b,
        None => latest_proposal(&dir)?,
    };
    let name = format!("block-{block}{}", if a.wrong { "-wrong" } else { "" });
    let inputs_path = claims.join(format!("{name}.json"));
    let inputs = match &endpoints {
        None => read_inputs(&inputs_path)?,
        Some(e) => {
            let agreed = a.agreed_block.unwrap_or(block.saturating_sub(10));
            let inputs = claim_inputs(e, agreed, block, a.wrong, a.safe_wait)?;
            let mut text = serde_json::to_vec_pretty(&inputs)?;
            text.push(b'\n');
            write_atomic(&inputs_path, &text)?;
            inputs
        }
    };
    println!(
        "claim: L2 block {} has output root {} (agreed: block {} {}; L1 head {})",
        inputs.claimed_block,
        inputs.claimed_output_root,
        inputs.agreed_block,
        inputs.agreed_output_root,
        inputs.l1_head
    );
    let exe = std::env::current_exe()?;
    let mut host: Vec<String> = vec![
        "--data-dir".into(),
        claims.join("store").display().to_string(),
        "--l1-head".into(),
        inputs.l1_head.clone(),
        "--agreed-l2-output-root".into(),
        inputs.agreed_output_root.clone(),
        "--claimed-l2-output-root".into(),
        inputs.claimed_output_root.clone(),
        "--claimed-l2-block-number".into(),
        inputs.claimed_block.to_string(),
        "--l2-chain-id".into(),
        inputs.l2_chain_id.to_string(),
    ];
    if let Some(e) = &endpoints {
        let l2 = e.l2.as_deref().context("endpoints.json has no L2 node")?;
        host.extend([
            "--l1-node-address".into(),
            e.l1.clone(),
            "--l1-beacon-address".into(),
            e.beacon.clone(),
            "--l2-node-address".into(),
            l2.to_string(),
        ]);
    }
    let code = if a.native {
        let status = Command::new(&exe)
            .arg("host")
            .arg("--native")
            .args(&host)
            .status()
            .context("running verdict host --native")?;
        status
            .code()
            .with_context(|| format!("verdict host --native: {status}"))?
    } else {
        run_in_vm(&exe, &a.elf, &claims, &name, &host)?
    };
    let verdict = match code {
        0 => "VALID",
        1 => "INVALID",
        _ => "cannot tell",
    };
    println!(
        "verdict: {verdict} (the program exited {code}{})",
        if a.native { ", natively" } else { " in the VM" }
    );
    std::process::exit(code);
}

fn read_endpoints(dir: &DataDir) -> anyhow::Result<Endpoints> {
    let path = dir.endpoints();
    let text = std::fs::read(&path).with_context(|| {
        format!(
            "reading {} (is `verdict devnet up` running? --offline judges a claim made before)",
            path.display()
        )
    })?;
    serde_json::from_slice(&text).with_context(|| format!("{}", path.display()))
}

fn read_inputs(path: &Path) -> anyhow::Result<ClaimInputs> {
    let text = std::fs::read(path).with_context(|| {
        format!(
            "reading {} (--offline judges a claim judged online before)",
            path.display()
        )
    })?;
    serde_json::from_slice(&text).with_context(|| format!("{}", path.display()))
}

/// The last output root the devnet's proposer recorded.
fn latest_proposal(dir: &DataDir) -> anyhow::Result<u64> {
    let path = dir.outputs();
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading {} (no proposal yet?)", path.display()))?;
    let last = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .with_context(|| format!("{}: no proposal yet; wait for one", path.display()))?;
    let v: Value = serde_json::from_str(last).with_context(|| format!("{}", path.display()))?;
    v["l2_block"]
        .as_u64()
        .with_context(|| format!("{}: a line without l2_block", path.display()))
}

fn client(url: &str) -> anyhow::Result<Client> {
    Client::new(url, ClientConfig::default()).map_err(|e| anyhow::anyhow!("{url}: {e}"))
}

fn output_root(l2: &Client, block: u64) -> anyhow::Result<String> {
    let v = l2
        .call_value("optimism_outputAtBlock", &json!([format!("{block:#x}")]))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    v["outputRoot"]
        .as_str()
        .map(str::to_string)
        .with_context(|| format!("optimism_outputAtBlock({block}): no outputRoot in {v}"))
}

/// Waits (up to `limit`, saying so once) until the node's safe head reaches `block`.
fn wait_until_safe(l2: &Client, block: u64, limit: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + limit;
    let mut said = false;
    loop {
        let status = l2
            .call_value("optimism_syncStatus", &json!([]))
            .map_err(|err| anyhow::anyhow!("{err}"))?;
        let safe = status["safe_l2"]["number"].as_u64().unwrap_or(0);
        if block <= safe {
            return Ok(());
        }
        if Instant::now() >= deadline {
            bail!(
                "L2 block {block} is not safe yet (the safe head is {safe}, waited {} s): wait, \
                 or claim an earlier block",
                limit.as_secs()
            );
        }
        if !said {
            eprintln!(
                "devnet claim: waiting up to {} s for L2 block {block} to be safe (the safe head \
                 is {safe})",
                limit.as_secs()
            );
            said = true;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The claim's inputs from the running chain: the L1 head now, the two output roots.
fn claim_inputs(
    e: &Endpoints,
    agreed: u64,
    block: u64,
    wrong: bool,
    safe_wait: u64,
) -> anyhow::Result<ClaimInputs> {
    if agreed >= block {
        bail!("the agreed block {agreed} must be below the claimed block {block}");
    }
    let l2 = client(e.l2.as_deref().context("endpoints.json has no L2 node")?)?;
    let l1 = client(&e.l1)?;
    wait_until_safe(&l2, block, Duration::from_secs(safe_wait))?;
    let head = l1
        .call_value("eth_getBlockByNumber", &json!(["latest", false]))
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let l1_head = head["hash"]
        .as_str()
        .context("the L1 head has no hash")?
        .to_string();
    let mut claimed = output_root(&l2, block)?;
    if wrong {
        let flipped = claimed.pop().and_then(|c| c.to_digit(16)).unwrap_or(0) ^ 1;
        claimed.push(char::from_digit(flipped, 16).expect("a hex digit"));
    }
    let chain_id = l2
        .call_value("eth_chainId", &json!([]))
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let l2_chain_id = chain_id
        .as_str()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .with_context(|| format!("eth_chainId: {chain_id}"))?;
    Ok(ClaimInputs {
        l1_head,
        agreed_block: agreed,
        agreed_output_root: output_root(&l2, agreed)?,
        claimed_block: block,
        claimed_output_root: claimed,
        l2_chain_id,
    })
}

/// Loads the program (once) and runs it in the VM, `verdict host --server` serving it; the
/// program's exit code from the final state.
fn run_in_vm(
    exe: &Path,
    elf: &Path,
    claims: &Path,
    name: &str,
    host: &[String],
) -> anyhow::Result<i32> {
    let state = claims.join("claim.bin.gz");
    let meta = claims.join("meta.json");
    // Loaded every time (a second): a rebuilt program is never judged by a stale prestate.
    {
        if !elf.exists() {
            bail!(
                "{} is missing: run scripts/build-guests.sh, or give --elf",
                elf.display()
            );
        }
        let status = Command::new(exe)
            .args(["vm", "load-elf", "--path"])
            .arg(elf)
            .arg("--out")
            .arg(&state)
            .arg("--meta")
            .arg(&meta)
            .status()
            .context("running verdict vm load-elf")?;
        if !status.success() {
            bail!("verdict vm load-elf {}: {status}", elf.display());
        }
    }
    let out = claims.join(format!("{name}.out.json"));
    let status = Command::new(exe)
        .args(["vm", "run", "--input"])
        .arg(&state)
        .arg("--output")
        .arg(&out)
        .arg("--meta")
        .arg(&meta)
        .args(["--info-at", "%500000000", "--"])
        .arg(exe)
        .args(["host", "--server"])
        .args(host)
        .status()
        .context("running verdict vm run")?;
    if !status.success() {
        bail!("verdict vm run: {status}");
    }
    let text = std::fs::read(&out).with_context(|| format!("reading {}", out.display()))?;
    let v: Value = serde_json::from_slice(&text).with_context(|| format!("{}", out.display()))?;
    if v["exited"] != Value::Bool(true) {
        bail!("{}: the program did not exit", out.display());
    }
    v["exit"]
        .as_i64()
        .map(|c| c as i32)
        .with_context(|| format!("{}: no exit code", out.display()))
}

//! `applepay simulate`: the Apple side, simulated, for a merchant's own tests — a test
//! PKI in a directory, tokens minted with it, and a merchant validation gateway on a local
//! socket. The work is the core's `mint::Simulation` and the gateway package's
//! `simulator`; this file reads and writes the directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use applepay_crypto::mint::{DEFAULT_SIMULATED_MERCHANT_ID, Simulation};
use applepay_crypto::{UnixTime, Version};
use applepay_gateway::simulator::{SimulatorEvent, SimulatorServer};
use clap::Subcommand;

use crate::Failure;
use crate::io::{read_input, read_secret_file, write_new_file, write_stdout};
use crate::verify::parse_time;

/// What every `simulate` help says.
const NOT_TRUSTED: &str = "Nothing `applepay simulate` makes is trusted by Apple or by the \
default verifier: tokens verify only with --root DIR/test_root.pem, the gateway only for \
clients given --ca DIR/gateway_ca.pem. For tests, never for payments.";

#[derive(Subcommand)]
pub(crate) enum SimulateCommand {
    /// Write a new directory with a test PKI, its keys and the simulation's state.
    ///
    /// The files: test_root.pem (the anchor for --root),
    /// merchant_key.pem + merchant_cert.pem (Payment Processing, P-256),
    /// merchant_rsa_key.pem + merchant_rsa_cert.pem (RSA_v1), identity.pem +
    /// identity_key.pem (Merchant Identity, subject UID = the merchant id),
    /// gateway_ca.pem (the simulated gateway's CA) and simulation_state.txt (the seed
    /// every key derives from). Private keys and the state are written 0600.
    #[command(after_help = NOT_TRUSTED)]
    Pki {
        /// The directory to create (or an empty one); existing files are never
        /// overwritten.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The merchant id: ASCII letters, digits, '.', '-', '_' (at most 128).
        #[arg(long, value_name = "ID", default_value = DEFAULT_SIMULATED_MERCHANT_ID)]
        merchant_id: String,
    },
    /// Print a payment token whose plaintext is FILE byte for byte.
    ///
    /// The token is the paymentData JSON object, encrypted for the directory's P-256 merchant key (EC_v1) or RSA key
    /// (--rsa, RSA_v1), with a random transactionId.
    #[command(after_help = NOT_TRUSTED)]
    Token {
        /// A directory written by `applepay simulate pki`.
        #[arg(long, value_name = "DIR")]
        pki: PathBuf,
        /// The payment data to encrypt (any bytes, at most 1 MiB); `-` reads stdin.
        #[arg(long, value_name = "FILE")]
        payment: PathBuf,
        /// An RSA_v1 token, for merchant_rsa_key.pem.
        #[arg(long)]
        rsa: bool,
        /// The token's signingTime [default: now].
        #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
        signing_time: Option<UnixTime>,
    },
    /// Serve a simulated Apple gateway over TLS, for the directory's Merchant Identity.
    ///
    /// It answers for apple-pay-gateway.apple.com (and Apple's other gateway hosts):
    /// merchant sessions, the Merchant Token Management API
    /// and the Web Merchant Registration API, for the directory's Merchant Identity only
    /// (another identity fails the handshake). The first line on stdout is `listening
    /// ADDR:PORT`, then one line per request; refused connections go to stderr. Runs
    /// until stopped. Clients reach it with --ca DIR/gateway_ca.pem --connect-to
    /// ::ADDR:PORT.
    #[command(after_help = NOT_TRUSTED)]
    Gateway {
        /// A directory written by `applepay simulate pki`.
        #[arg(long, value_name = "DIR")]
        pki: PathBuf,
        /// The address to listen on; port 0 picks a free one.
        #[arg(long, value_name = "ADDR:PORT")]
        listen: SocketAddr,
    },
}

pub(crate) fn simulate(command: &SimulateCommand) -> Result<(), Failure> {
    match command {
        SimulateCommand::Pki { out, merchant_id } => pki(out, merchant_id),
        SimulateCommand::Token {
            pki,
            payment,
            rsa,
            signing_time,
        } => token(pki, payment, *rsa, *signing_time),
        SimulateCommand::Gateway { pki, listen } => gateway(pki, *listen),
    }
}

fn pki(out: &Path, merchant_id: &str) -> Result<(), Failure> {
    let simulation = Simulation::generate(&mut crate::onboarding::os_rng(), merchant_id)?;
    let files = simulation.files()?;
    if out.exists() {
        let mut entries = std::fs::read_dir(out)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", out.display())))?;
        if entries.next().is_some() {
            return Err(Failure::Usage(format!(
                "{} exists and is not empty: simulate pki writes a new directory",
                out.display()
            )));
        }
    }
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::Usage(format!("cannot create {}: {e}", out.display())))?;
    for file in &files {
        write_new_file(&out.join(file.name), file.contents.as_bytes(), file.secret)?;
    }
    let mut summary = format!(
        "{}: a simulated Apple PKI for {} (test keys: not trusted by Apple)\n",
        out.display(),
        simulation.merchant_id()
    );
    for file in &files {
        summary.push_str(&format!("  {}\n", file.name));
    }
    write_stdout(summary.as_bytes())
}

/// The simulation kept in `dir`.
fn load(dir: &Path) -> Result<Simulation, Failure> {
    let state = read_secret_file(&dir.join(Simulation::STATE_FILE))?;
    Ok(Simulation::from_state(&state)?)
}

fn token(
    dir: &Path,
    payment: &Path,
    rsa: bool,
    signing_time: Option<UnixTime>,
) -> Result<(), Failure> {
    let simulation = load(dir)?;
    let plaintext = zeroize::Zeroizing::new(read_input(payment)?);
    let mut unique = [0u8; 32];
    getrandom::fill(&mut unique)
        .map_err(|e| Failure::Usage(format!("no randomness from the system: {e}")))?;
    let version = if rsa { Version::RsaV1 } else { Version::EcV1 };
    let signing_time = signing_time.unwrap_or_else(UnixTime::now);
    let mut token = simulation.mint(&plaintext, version, signing_time, &unique)?;
    token.push('\n');
    write_stdout(token.as_bytes())
}

fn gateway(dir: &Path, listen: SocketAddr) -> Result<(), Failure> {
    let simulation = load(dir)?;
    let cannot = |e: std::io::Error| Failure::Usage(format!("cannot listen on {listen}: {e}"));
    let server = SimulatorServer::bind(listen, simulation).map_err(cannot)?;
    let addr = server.local_addr().map_err(cannot)?;
    // Line-buffered: each line reaches a pipe as it is printed.
    println!("listening {addr}");
    server.serve(|event| match event {
        SimulatorEvent::Refused { .. } => eprintln!("{event}"),
        _ => println!("{event}"),
    });
    Ok(())
}

//! The fixed-length records of each A-GNSS element type, and how each is read from its
//! little-endian bytes.

use nrfcloud_api::agnss_format::known_record_len;

/// Type 1: GPS UTC parameters (14 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UtcParameters {
    /// First-order term of the polynomial (2^-50 s/s).
    pub a1: i32,
    /// Constant term of the polynomial (2^-30 s).
    pub a0: i32,
    /// UTC reference time of week (2^12 s).
    pub tot: u8,
    /// UTC reference week number (weeks, 8 LSBs).
    pub wn_t: u8,
    /// Current or past leap second count (s).
    pub delta_tls: i8,
    /// Leap second reference week number (weeks, 8 LSBs).
    pub wn_lsf: u8,
    /// Leap second reference day number (days).
    pub dn: i8,
    /// Current or future leap second count (s).
    pub delta_tlsf: i8,
}

/// Type 2: one satellite's GPS ephemeris (62 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ephemeris {
    /// Satellite id (1..=32).
    pub sv_id: u8,
    /// Satellite health.
    pub health: u8,
    /// Issue of data, clock parameters.
    pub iodc: u16,
    /// Clock parameters reference time of week (2^4 s).
    pub toc: u16,
    /// Clock drift rate (2^-55 s/s²).
    pub af2: i8,
    /// Clock drift (2^-43 s/s).
    pub af1: i16,
    /// Clock bias (2^-31 s).
    pub af0: i32,
    /// Group delay (2^-31 s).
    pub tgd: i8,
    /// URA index.
    pub ura: u8,
    /// Curve fit interval indication.
    pub fit_int: u8,
    /// Ephemeris parameters reference time of week (2^4 s).
    pub toe: u16,
    /// Argument of perigee (2^-31 semi-circles).
    pub w: i32,
    /// Mean motion difference (2^-43 semi-circles/s).
    pub delta_n: i16,
    /// Mean anomaly at reference time (2^-31 semi-circles).
    pub m0: i32,
    /// Rate of right ascension (2^-43 semi-circles/s).
    pub omega_dot: i32,
    /// Eccentricity (2^-33).
    pub e: u32,
    /// Rate of inclination angle (2^-43 semi-circles/s).
    pub idot: i16,
    /// Square root of the semi-major axis (2^-19 m^1/2).
    pub sqrt_a: u32,
    /// Inclination angle at reference time (2^-31 semi-circles).
    pub i0: i32,
    /// Longitude of ascending node at weekly epoch (2^-31 semi-circles).
    pub omega0: i32,
    /// Orbit radius, sine harmonic amplitude (2^-5 m).
    pub crs: i16,
    /// Inclination angle, sine harmonic amplitude (2^-29 rad).
    pub cis: i16,
    /// Argument of latitude, sine harmonic amplitude (2^-29 rad).
    pub cus: i16,
    /// Orbit radius, cosine harmonic amplitude (2^-5 m).
    pub crc: i16,
    /// Inclination angle, cosine harmonic amplitude (2^-29 rad).
    pub cic: i16,
    /// Argument of latitude, cosine harmonic amplitude (2^-29 rad).
    pub cuc: i16,
}

/// Type 3: one satellite's GPS almanac (31 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Almanac {
    /// Satellite id (1..=32).
    pub sv_id: u8,
    /// Almanac reference week number (weeks, 8 LSBs).
    pub wn: u8,
    /// Almanac reference time of week (2^12 s).
    pub toa: u8,
    /// Issue of data, almanac.
    pub ioda: u8,
    /// Eccentricity (2^-21).
    pub e: u16,
    /// Correction to inclination (2^-19 semi-circles).
    pub delta_i: i16,
    /// Rate of right ascension (2^-38 semi-circles/s).
    pub omega_dot: i16,
    /// Satellite health.
    pub sv_health: u8,
    /// Square root of the semi-major axis (2^-11 m^1/2).
    pub sqrt_a: u32,
    /// Longitude of ascending node at weekly epoch (2^-23 semi-circles).
    pub omega0: i32,
    /// Argument of perigee (2^-23 semi-circles).
    pub w: i32,
    /// Mean anomaly at reference time (2^-23 semi-circles).
    pub m0: i32,
    /// Clock bias (2^-20 s).
    pub af0: i16,
    /// Clock drift (2^-38 s/s).
    pub af1: i16,
}

/// Type 4: Klobuchar ionospheric correction parameters (8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct KlobucharCorrection {
    /// α0 (2^-30 s).
    pub alpha0: i8,
    /// α1 (2^-27 s/semi-circle).
    pub alpha1: i8,
    /// α2 (2^-24 s/semi-circle²).
    pub alpha2: i8,
    /// α3 (2^-24 s/semi-circle³).
    pub alpha3: i8,
    /// β0 (2^11 s).
    pub beta0: i8,
    /// β1 (2^14 s/semi-circle).
    pub beta1: i8,
    /// β2 (2^16 s/semi-circle²).
    pub beta2: i8,
    /// β3 (2^16 s/semi-circle³).
    pub beta3: i8,
}

/// Type 6: one satellite's time-of-week data (4 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SvTimeOfWeek {
    /// Satellite id (1..=32).
    pub sv_id: u8,
    /// The telemetry word's first 14 bits.
    pub tlm: u16,
    /// Flags: bit 0 anti-spoof, bit 1 alert.
    pub flags: u8,
}

/// Type 7: GPS system clock (16 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GpsSystemClock {
    /// Days since the GPS epoch (1980-01-06).
    pub date_day: u16,
    /// Full seconds of the day.
    pub time_full_s: u32,
    /// Fraction of the second (ms).
    pub time_frac_ms: u16,
    /// Which satellites the time-of-week data (type 6) is valid for (bit n: satellite n + 1).
    pub sv_mask: u32,
    /// Four trailing bytes the device library skips, kept as received.
    pub reserved: [u8; 4],
}

/// Type 8: approximate location (15 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ApproximateLocation {
    /// WGS-84 latitude, coded: degrees × 2^23 / 90 (see [`Self::latitude_degrees`]).
    pub latitude: i32,
    /// WGS-84 longitude, coded: degrees × 2^24 / 360 (see [`Self::longitude_degrees`]).
    pub longitude: i32,
    /// Altitude above the WGS-84 ellipsoid (m).
    pub altitude: i16,
    /// Uncertainty of the semi-major axis, coded (0..=127; 255: none).
    pub unc_semimajor: u8,
    /// Uncertainty of the semi-minor axis, coded (0..=127; 255: none).
    pub unc_semiminor: u8,
    /// Angle between the major axis and north (degrees, 0..=179).
    pub orientation_major: u8,
    /// Altitude uncertainty, coded (0..=127; 255: none).
    pub unc_altitude: u8,
    /// Confidence level (percent, 0..=100).
    pub confidence: u8,
}

impl ApproximateLocation {
    /// The latitude in degrees.
    pub fn latitude_degrees(&self) -> f64 {
        f64::from(self.latitude) * 90.0 / f64::from(1u32 << 23)
    }

    /// The longitude in degrees.
    pub fn longitude_degrees(&self) -> f64 {
        f64::from(self.longitude) * 360.0 / f64::from(1u32 << 24)
    }
}

/// Type 9: satellite integrity data (4 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Integrity {
    /// Bit n set: satellite n + 1 is unhealthy.
    pub integrity_mask: u32,
}

/// A little-endian reader over one record; `None` past its end.
pub(super) struct Fields<'a> {
    rest: &'a [u8],
}

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.rest.split_first_chunk::<N>()?;
        self.rest = rest;
        Some(*head)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(u8::from_le_bytes)
    }
    fn i8(&mut self) -> Option<i8> {
        self.take::<1>().map(i8::from_le_bytes)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take::<2>().map(u16::from_le_bytes)
    }
    fn i16(&mut self) -> Option<i16> {
        self.take::<2>().map(i16::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take::<4>().map(u32::from_le_bytes)
    }
    fn i32(&mut self) -> Option<i32> {
        self.take::<4>().map(i32::from_le_bytes)
    }
}

/// One fixed-length record type.
pub(super) trait Record: Sized {
    const LEN: usize;
    fn read(f: &mut Fields<'_>) -> Option<Self>;
}

pub(super) fn read_all<R: Record>(bytes: &[u8]) -> Option<Vec<R>> {
    let chunks = bytes.chunks_exact(R::LEN);
    if !chunks.remainder().is_empty() {
        return None;
    }
    chunks
        .map(|rest| {
            let mut f = Fields { rest };
            let record = R::read(&mut f)?;
            f.rest.is_empty().then_some(record)
        })
        .collect()
}

impl Record for UtcParameters {
    const LEN: usize = known_record_len(1);
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(UtcParameters {
            a1: f.i32()?,
            a0: f.i32()?,
            tot: f.u8()?,
            wn_t: f.u8()?,
            delta_tls: f.i8()?,
            wn_lsf: f.u8()?,
            dn: f.i8()?,
            delta_tlsf: f.i8()?,
        })
    }
}

impl Record for Ephemeris {
    const LEN: usize = known_record_len(2);
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(Ephemeris {
            sv_id: f.u8()?,
            health: f.u8()?,
            iodc: f.u16()?,
            toc: f.u16()?,
            af2: f.i8()?,
            af1: f.i16()?,
            af0: f.i32()?,
            tgd: f.i8()?,
            ura: f.u8()?,
            fit_int: f.u8()?,
            toe: f.u16()?,
            w: f.i32()?,
            delta_n: f.i16()?,
            m0: f.i32()?,
            omega_dot: f.i32()?,
            e: f.u32()?,
            idot: f.i16()?,
            sqrt_a: f.u32()?,
            i0: f.i32()?,
            omega0: f.i32()?,
            crs: f.i16()?,
            cis: f.i16()?,
            cus: f.i16()?,
            crc: f.i16()?,
            cic: f.i16()?,
            cuc: f.i16()?,
        })
    }
}

impl Record for Almanac {
    const LEN: usize = known_record_len(3);
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(Almanac {
            sv_id: f.u8()?,
            wn: f.u8()?,
            toa: f.u8()?,
            ioda: f.u8()?,
            e: f.u16()?,
            delta_i: f.i16()?,
            omega_dot: f.i16()?,
            sv_health: f.u8()?,
            sqrt_a: f.u32()?,
            omega0: f.i32()?,
            w: f.i32()?,
            m0: f.i32()?,
            af0: f.i16()?,
            af1: f.i16()?,
        })
    }
}

impl Record for KlobucharCorrection {
    const LEN: usize = known_record_len(4);
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(KlobucharCorrection {
            alpha0: f.i8()?,
            alpha1: f.i8()?,
            alpha2: f.i8()?,
            alpha3: f.i8()?,
            beta0: f.i8()?,
            beta1: f.i8()?,
            beta2: f.i8()?,
            beta3: f.i8()?,
        })
    }
}

impl Record for SvTimeOfWeek {
    const LEN: usize = known_record_len(6);
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(SvTimeOfWeek {
            sv_id: f.u8()?,
            tlm: f.u16()?,
            flags: f.u8()?,
        })
    }
}

impl Record for GpsSystemClock {
    const LEN: usize = known_record_len(7);
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(GpsSystemClock {
            date_day: f.u16()?,
            time_full_s: f.u32()?,
            time_frac_ms: f.u16()?,
            sv_mask: f.u32()?,
            reserved: f.take::<4>()?,
        })
    }
}

impl Record for ApproximateLocation {
    const LEN: usize = known_record_len(8);
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(ApproximateLocation {
            latitude: f.i32()?,
            longitude: f.i32()?,
            altitude: f.i16()?,
            unc_semimajor: f.u8()?,
            unc_semiminor: f.u8()?,
            orientation_major: f.u8()?,
            unc_altitude: f.u8()?,
            confidence: f.u8()?,
        })
    }
}

impl Record for Integrity {
    const LEN: usize = known_record_len(9);
    fn read(f: &mut Fields<'_>) -> Option<Self> {
        Some(Integrity {
            integrity_mask: f.u32()?,
        })
    }
}

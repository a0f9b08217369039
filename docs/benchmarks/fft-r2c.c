/* FFTW's 512-point real FFT alone, one frame at a time and batched (docs/benchmarks/features.md):
 *   gcc -O2 docs/benchmarks/fft-r2c.c -o /tmp/fft-r2c -lfftw3f
 *   /tmp/fft-r2c 8      # FFTW_ESTIMATE plans (what Earshot runs), batches of 8 frames
 *   /tmp/fft-r2c 8 m    # FFTW_MEASURE plans
 * Prints ns per frame: one r2c per frame ("single"), and plan_many over H frames laid out interleaved
 * (stride H: FFTW vectorises across frames) or contiguous (one frame after the other). */
#include <fftw3.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
int main(int argc,char**argv){
  int N=512, H=atoi(argv[1]); unsigned flags=argc>2?FFTW_MEASURE:FFTW_ESTIMATE;
  float*in=fftwf_malloc(sizeof(float)*N*H); fftwf_complex*out=fftwf_malloc(sizeof(fftwf_complex)*(N/2+1)*H);
  fftwf_plan p1=fftwf_plan_dft_r2c_1d(N,in,out,flags);
  int n[1]={N};
  fftwf_plan pi=fftwf_plan_many_dft_r2c(1,n,H,in,NULL,H,1,out,NULL,H,1,flags); // interleaved
  fftwf_plan pc=fftwf_plan_many_dft_r2c(1,n,H,in,NULL,1,N,out,NULL,1,N/2+1,flags); // contiguous
  for(int i=0;i<N*H;i++) in[i]=(float)rand()/RAND_MAX-0.5f;
  int R=200000/H;
  for(int rep=0;rep<3;rep++){
  double t=now(); for(int r=0;r<R*H;r++) fftwf_execute(p1); double a=(now()-t)/(R*H)*1e9;
  t=now(); for(int r=0;r<R;r++) fftwf_execute(pi); double b=(now()-t)/(R*H)*1e9;
  t=now(); for(int r=0;r<R;r++) fftwf_execute(pc); double c=(now()-t)/(R*H)*1e9;
  printf("H=%d single %.0f ns  interleaved %.0f ns/frame  contiguous %.0f ns/frame\n",H,a,b,c);}
}
